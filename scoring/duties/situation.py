"""Which form of a duty fits a member's situation (pure; the services store the result).

Order of precedence, first match wins: ill (a secretary's flag) and elderly → the duty's care
alternative; special occupation (e.g. seafarers) and migrant work away from home → the remote
alternative. Without that alternative the member is exempted, and the reason says why.
Texts are in Chinese, the county's language, like the rating's reasons.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

ILL = _("ill (%(reason)s)")
ELDERLY = _("elderly member")
SPECIAL = _("special occupation (%(occupation)s), away and unable to attend")
MIGRANT = _("works away from home (%(location)s)")
ALTERNATIVE = _("%(situation)s: alternative instead of the duty")
EXEMPT = _("%(situation)s: exempted, the duty has no alternative for this situation")


@dataclass(frozen=True)
class Fit:
    variant: str  # DutyAssignment.Variant value
    task: str
    situation: str


def duty_task(duty) -> str:
    return f"{duty.name}：{duty.description}" if duty.description else duty.name


def fit_for(*, member, duty, ill_reason: str | None) -> Fit:
    if ill_reason:
        situation, alternative = str(ILL % {"reason": ill_reason}), duty.care_alternative
    elif member.is_elderly:
        situation, alternative = str(ELDERLY), duty.care_alternative
    elif member.is_special_occupation:
        situation = str(SPECIAL % {"occupation": member.special_occupation or "—"})
        alternative = duty.remote_alternative
    elif member.is_migrant:
        situation, alternative = str(MIGRANT % {"location": member.migrant_location or "—"}), duty.remote_alternative
    else:
        return Fit("standard", duty_task(duty), "")
    if alternative.strip():
        return Fit("alternative", alternative.strip(), str(ALTERNATIVE % {"situation": situation}))
    return Fit("exempt", "", str(EXEMPT % {"situation": situation}))


def alternative_for(*, member, duty, ill_reason: str | None) -> str:
    """The alternative text that fits the member (for a secretary choosing 'alternative' by hand):
    care for ill/elderly, remote otherwise, falling back to whichever the duty has."""
    if ill_reason or member.is_elderly:
        return (duty.care_alternative or duty.remote_alternative).strip()
    return (duty.remote_alternative or duty.care_alternative).strip()
