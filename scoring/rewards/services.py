"""Writes of a township's rewards: honours, star tiers, the Party-member Star evaluation, shortlists.

Honours. A clerk, branch secretary or the township office enters an honour of a member in their
scope with its certificate (checked like evidence); the township office verifies it (never one it
entered, never one about itself) or rejects it with the reason. Verification proposes the honour's
points (the county template's points for its level) as an entry under the template's catalogue item
with `source="honour:<id>"`, the certificates attached as evidence, through the normal review path
(`scoring.ledger.services.entry_create`); nothing is written to the ledger directly. The entry is
booked on the day of verification. Revoking a verified honour proposes a reversing correction of
the posted entry (`entry_correction_propose`); the tier is recomputed at once.

Tiers. A member's tier of a scoring year comes from the honour points of their verified honours
awarded in that year, against the county template's thresholds; a posted, unreversed veto row of
the year caps it at the template's `veto_tier_cap`. The reason is kept in the county's language.

Party-member Star. `star_evaluate` evaluates every active member against the year's latest rule
version and stores, per member, eligible or not, the failed condition codes and the explanation.
A member barred by a faking finding (`scoring.tips.selectors.award_ineligible`) is never eligible,
whether or not the rule names the condition.

Shortlists. `shortlist_generate` ranks the candidates of the 七一 or year-end award from the
monthly ranks, quarterly notices, tiers and eligibility; the office adds or removes candidates
with a reason; `shortlist_submit` locks the shortlist and copies it to the county. Barred (and
vetoed) members are never candidates.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, NotFound, PermissionDenied, full_clean_or_raise
from scoring.choices import Category, Rating
from scoring.ledger.evidence import evidence_check
from scoring.ledger.models import Entry, LedgerEntry, MemberYearTotal
from scoring.rewards.choices import LEVEL_ORDER, Condition, Level, ShortlistKind, Tier, levels_at_least
from scoring.rewards.county.models import HonourTemplate, StarRuleVersion
from scoring.rewards.county.selectors import honour_template_get, star_rule_for
from scoring.rewards.models import (
    Honour,
    HonourCertificate,
    MemberTier,
    Shortlist,
    ShortlistCandidate,
    ShortlistEdit,
    StarEvaluation,
    StarResult,
)
from tenants.organisation.models import Member
from tenants.organisation.selectors import member_scope

CANNOT_ENTER = _("Only a clerk, a branch secretary or the township office enters honours.")
OFFICE_ONLY = _("Only the township office does this.")
MEMBER_OUT_OF_SCOPE = _("Choose a member in your scope.")
NO_TEMPLATE = _("The county has no honour template for the scoring year %(year)s yet.")
UNKNOWN_KIND = _("This kind of honour is not in the county's list for %(year)s.")
UNKNOWN_LEVEL = _("Choose the issuing level.")
AWARDED_IN_FUTURE = _("The award date cannot be in the future.")
CERTIFICATE_REQUIRED = _("Attach the certificate (a photo or PDF).")
TEXT_REQUIRED = _("Fill in this field.")
NOT_PENDING = _("This honour is not awaiting verification.")
NOT_VERIFIED = _("Only a verified honour can be revoked.")
VERIFY_OWN = _("You cannot verify an honour you entered or one about yourself.")
REASON_REQUIRED = _("Give the reason.")
REVOKE_WAIT_REVIEW = _("The honour's points entry is still in review; revoke it after the review has decided.")
NO_RULE = _("The county has set no Party-member Star rule for %(year)s yet.")
NO_SCORING_YEAR = _("No scoring year %(year)s.")
SHORTLIST_LOCKED = _("This shortlist has been submitted to the county and is locked.")
SHORTLIST_NOT_FOUND = _("No such shortlist.")
SHORTLIST_EMPTY = _("The shortlist has no candidate on it.")
BARRED_MEMBER = _("This member has lost the award eligibility for the year (faking finding) and cannot be "
                  "shortlisted.")
VETOED_MEMBER = _("This member has a one-vote veto this year and cannot be shortlisted.")
UNKNOWN_ACTION = _("Unknown action.")
UNKNOWN_KIND_OF_AWARD = _("Unknown award.")

ZERO = Decimal("0")
# How many extra candidates (not on the list) a generated shortlist keeps for the office to add.
RESERVES = 5


def _field_error(field: str, message) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _office(access: Access) -> None:
    if not access.runs_scoring:
        raise PermissionDenied(OFFICE_ONLY)


def _text(value, field: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _field_error(field, TEXT_REQUIRED if field != "reason" else REASON_REQUIRED)
    return value


def scoring_year_of(day: dt.date) -> int:
    from scoring.periods.calendar import scoring_year_label

    return scoring_year_label(day)


def _template(year: int) -> HonourTemplate:
    template = honour_template_get(year=year)
    if template is None:
        raise DomainError(NO_TEMPLATE % {"year": year})
    return template


def _locked_honour(honour_id: int) -> Honour:
    honour = Honour.objects.select_for_update(of=("self",)).select_related("member").filter(pk=honour_id).first()
    if honour is None:
        raise NotFound()
    return honour


# --- honours -------------------------------------------------------------------------------------------
@transaction.atomic
def honour_create(
    *, actor, access: Access, member_id: int, kind_code: str, level: str, issuer: str, awarded_on: dt.date,
    title: str, certificates=(),
) -> Honour:
    """Enter an honour of a member in the actor's scope; it waits for the township office's check."""
    if not access.can_enter_points:
        raise PermissionDenied(CANNOT_ENTER)
    member = member_scope(access).filter(pk=member_id).first()
    if member is None:
        raise _field_error("member", MEMBER_OUT_OF_SCOPE)
    if not isinstance(awarded_on, dt.date) or awarded_on > clock.today():
        raise _field_error("awarded_on", AWARDED_IN_FUTURE)
    if level not in Level.values:
        raise _field_error("level", UNKNOWN_LEVEL)
    year = scoring_year_of(awarded_on)
    template = _template(year)
    kind = next((k for k in template.kinds.all() if k.code == kind_code), None)
    if kind is None:
        raise _field_error("kind", UNKNOWN_KIND % {"year": year})
    issuer, title = _text(issuer, "issuer"), _text(title, "title")
    checked = evidence_check(certificates)
    if not checked:
        raise _field_error("evidence", CERTIFICATE_REQUIRED)
    honour = Honour(member=member, year=year, kind_code=kind.code, kind_name=kind.name, title=title, level=level,
                    issuer=issuer, awarded_on=awarded_on, entered_by_id=actor.pk)
    full_clean_or_raise(honour)
    honour.save()
    saved = []
    try:
        for item in checked:
            certificate = HonourCertificate(honour=honour, original_name=item.original_name,
                                            content_type=item.content_type, size=item.size, sha256=item.sha256,
                                            uploaded_by_id=actor.pk)
            certificate.file.save(item.stored_name, item.upload, save=False)
            saved.append(certificate)
            certificate.save()
        audit_record(actor=actor, action="honour.create", instance=honour,
                     after={**snapshot(honour), "certificates": [c.sha256 for c in saved]})
    except BaseException:
        for certificate in saved:  # rows roll back with the transaction, files do not
            certificate.file.delete(save=False)
        raise
    return honour


def _certificate_files(honour: Honour) -> list:
    files = []
    for certificate in honour.certificates.all():
        with certificate.file.open("rb") as handle:
            files.append(SimpleUploadedFile(certificate.original_name, handle.read(),
                                            content_type=certificate.content_type))
    return files


@transaction.atomic
def honour_verify(*, actor, access: Access, honour_id: int) -> Honour:
    """The township office confirms the honour: it counts for the tier, and its points are proposed
    to the ledger (reviewed like any entry)."""
    from scoring.ledger.services import entry_create

    _office(access)
    honour = _locked_honour(honour_id)
    if honour.status != Honour.Status.PENDING:
        raise Conflict(NOT_PENDING)
    if honour.entered_by_id == actor.pk or honour.member_id == access.member_id:
        raise PermissionDenied(VERIFY_OWN)
    template = _template(honour.year)
    before = snapshot(honour)
    points = template.points_for(honour.level)
    with translation.override(settings.LANGUAGE_CODE):
        note = _g("Honour: %(kind)s “%(title)s” (%(level)s, %(issuer)s, %(date)s)") % {
            "kind": honour.kind_name, "title": honour.title, "level": Level(honour.level).label,
            "issuer": honour.issuer, "date": honour.awarded_on.isoformat()}
    entry = entry_create(actor=actor, access=access, member_id=honour.member_id, rule_code=template.rule_code,
                         occurred_on=clock.today(), points=points, note=note,
                         evidence_files=_certificate_files(honour), source=f"honour:{honour.pk}")
    honour.status = Honour.Status.VERIFIED
    honour.points = points
    honour.entry = entry
    honour.decided_by_id = actor.pk
    honour.decided_at = clock.now()
    full_clean_or_raise(honour)
    honour.save()
    audit_record(actor=actor, action="honour.verify", instance=honour, before=before, after=snapshot(honour))
    tier_recompute(year=honour.year, member_ids=[honour.member_id])
    return honour


@transaction.atomic
def honour_reject(*, actor, access: Access, honour_id: int, reason: str) -> Honour:
    _office(access)
    honour = _locked_honour(honour_id)
    if honour.status != Honour.Status.PENDING:
        raise Conflict(NOT_PENDING)
    reason = _text(reason, "reason")
    before = snapshot(honour)
    honour.status = Honour.Status.REJECTED
    honour.reject_reason = reason
    honour.decided_by_id = actor.pk
    honour.decided_at = clock.now()
    full_clean_or_raise(honour)
    honour.save()
    audit_record(actor=actor, action="honour.reject", instance=honour, before=before, after=snapshot(honour))
    return honour


@transaction.atomic
def honour_revoke(*, actor, access: Access, honour_id: int, reason: str) -> Honour:
    """Revoke a verified honour: the tier falls at once and a reversing correction of its posted
    points entry is proposed (it goes through review like any correction)."""
    from scoring.ledger.services import entry_correction_propose

    _office(access)
    honour = _locked_honour(honour_id)
    if honour.status != Honour.Status.VERIFIED:
        raise Conflict(NOT_VERIFIED)
    reason = _text(reason, "reason")
    entry = Entry.objects.filter(pk=honour.entry_id).first()
    if entry is not None and entry.status in (Entry.Status.IN_REVIEW, Entry.Status.AWAITING_LATE_APPROVAL):
        raise Conflict(REVOKE_WAIT_REVIEW)
    before = snapshot(honour)
    if entry is not None and entry.status == Entry.Status.POSTED:
        with translation.override(settings.LANGUAGE_CODE):
            note = _g("Honour revoked: %(reason)s") % {"reason": reason}
        honour.reversal = entry_correction_propose(actor=actor, access=access, entry_id=entry.pk,
                                                   points=-entry.final_points, reason=note,
                                                   source=f"honour:{honour.pk}")
    honour.status = Honour.Status.REVOKED
    honour.revoke_reason = reason
    honour.revoked_by_id = actor.pk
    honour.revoked_at = clock.now()
    full_clean_or_raise(honour)
    honour.save()
    audit_record(actor=actor, action="honour.revoke", instance=honour, before=before, after=snapshot(honour))
    tier_recompute(year=honour.year, member_ids=[honour.member_id])
    return honour


# --- tiers ---------------------------------------------------------------------------------------------
def vetoed_members(*, year: int, member_ids=None) -> dict[int, list[str]]:
    """member id -> names of the veto items posted for them in `year` and not reversed (the rows the
    annual rating reads)."""
    rows = LedgerEntry.objects.filter(scoring_year=year, rule__category=Category.VETO,
                                      kind=LedgerEntry.Kind.ADJUSTMENT, reversed_by__isnull=True)
    if member_ids is not None:
        rows = rows.filter(member_id__in=member_ids)
    result: dict[int, list[str]] = defaultdict(list)
    for member_id, name in rows.values_list("member_id", "rule__name").order_by("seq"):
        result[member_id].append(name)
    return dict(result)


def tier_for(template: HonourTemplate, honour_points: Decimal) -> int:
    for tier, needed in template.thresholds():
        if honour_points >= needed:
            return int(tier)
    return int(Tier.NONE)


def _tier_reason(*, template, honours: list[tuple[str, Decimal]], points: Decimal, uncapped: int, tier: int,
                 vetoes: list[str]) -> str:
    thresholds = dict(template.thresholds())
    by_level = defaultdict(int)
    for level, _points in honours:
        by_level[level] += 1
    levels = "、".join(_g("%(level)s %(n)s") % {"level": Level(level).label, "n": n}
                      for level, n in sorted(by_level.items(), key=lambda item: -LEVEL_ORDER[item[0]]))
    if not honours:
        text = _g("No verified honour this year: no star.")
    elif uncapped == Tier.NONE:
        text = _g("%(count)s verified honours (%(levels)s), %(points)s honour points: below the %(needed)s "
                  "a one-star tier needs.") % {"count": len(honours), "levels": levels, "points": points,
                                               "needed": template.one_star}
    else:
        text = _g("%(count)s verified honours (%(levels)s), %(points)s honour points: %(tier)s (from %(needed)s).") % {
            "count": len(honours), "levels": levels, "points": points, "tier": Tier(uncapped).label,
            "needed": thresholds[uncapped]}
    if vetoes and tier != uncapped:
        text += " " + _g("One-vote veto (%(items)s): the tier is capped at %(tier)s.") % {
            "items": "、".join(vetoes), "tier": Tier(tier).label}
    elif vetoes:
        text += " " + _g("One-vote veto (%(items)s).") % {"items": "、".join(vetoes)}
    return text


def tier_recompute(*, year: int, member_ids=None) -> int:
    """Recompute the tiers of `year` (of the members given, else every member with an honour or a
    tier that year). Returns the number of tiers written. Idempotent."""
    template = honour_template_get(year=year)
    if template is None:
        return 0
    honours = Honour.objects.filter(year=year, status=Honour.Status.VERIFIED)
    existing = MemberTier.objects.filter(year=year)
    if member_ids is not None:
        honours, existing = honours.filter(member_id__in=member_ids), existing.filter(member_id__in=member_ids)
    by_member: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for member_id, level, points in honours.values_list("member_id", "level", "points"):
        by_member[member_id].append((level, points or ZERO))
    targets = set(by_member) | set(existing.values_list("member_id", flat=True))
    if member_ids is not None:
        targets |= set(member_ids)
    vetoes = vetoed_members(year=year, member_ids=targets)
    now = clock.now()
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for member_id in sorted(targets):
            items = by_member.get(member_id, [])
            points = sum((p for _level, p in items), ZERO)
            uncapped = tier_for(template, points)
            vetoed = member_id in vetoes
            tier = min(uncapped, template.veto_tier_cap) if vetoed else uncapped
            rows.append(MemberTier(member_id=member_id, year=year, tier=tier, uncapped_tier=uncapped,
                                   honour_points=points, honours=len(items), vetoed=vetoed,
                                   reason=_tier_reason(template=template, honours=items, points=points,
                                                       uncapped=uncapped, tier=tier, vetoes=vetoes.get(member_id, [])),
                                   computed_at=now))
    MemberTier.objects.bulk_create(rows, update_conflicts=True, unique_fields=["member", "year"],
                                   update_fields=["tier", "uncapped_tier", "honour_points", "honours", "vetoed",
                                                  "reason", "computed_at"])
    return len(rows)


# --- Party-member Star -----------------------------------------------------------------------------------
def _branch_ranks(*, year: int) -> dict[int, tuple[int, int]]:
    """member id -> (rank in branch by the year's total, active members in the branch); ties share."""
    member, totals = Member._meta.db_table, MemberYearTotal._meta.db_table
    sql = f"""
        SELECT m.id, RANK() OVER (PARTITION BY m.branch_id ORDER BY COALESCE(t.total, 0) DESC),
               COUNT(*) OVER (PARTITION BY m.branch_id)
        FROM {member} m LEFT JOIN {totals} t ON t.member_id = m.id AND t.scoring_year = %s
        WHERE m.status = %s
    """  # noqa: S608 - table names from model meta, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [year, Member.Status.ACTIVE])
        return {member_id: (rank, size) for member_id, rank, size in cursor.fetchall()}


def _describe(condition) -> str:
    code = condition.code
    if code == Condition.HONOURS:
        kinds = "、".join(condition.kinds) if condition.kinds else _g("any kind")
        level = Level(condition.min_level).label if condition.min_level else Level.VILLAGE.label
        return _g("at least %(n)s honours (%(kinds)s) issued at %(level)s level or above") % {
            "n": condition.min_count or 1, "kinds": kinds, "level": level}
    if code == Condition.TIER:
        return _g("tier at least %(tier)s") % {"tier": Tier(condition.min_tier).label}
    if code == Condition.RANK_TOP:
        return _g("points rank within the top %(share)s%% of the branch") % {"share": condition.top_percent}
    return str(Condition(code).label)


def _check(condition, *, member_id: int, facts: dict) -> tuple[bool, str]:
    code = condition.code
    if code == Condition.RATING_EXCELLENT:
        rating = facts["ratings"].get(member_id)
        labels = dict(Rating.choices)
        if rating is None:
            return False, _g("not rated for the year yet")
        return rating == Rating.EXCELLENT, _g("annual rating: %(rating)s") % {"rating": labels[rating]}
    if code == Condition.HONOURS:
        levels = set(levels_at_least(condition.min_level))
        matching = [h for h in facts["honours"].get(member_id, [])
                    if h[1] in levels and (not condition.kinds or h[0] in condition.kinds)]
        needed = condition.min_count or 1
        return len(matching) >= needed, _g("%(have)s qualifying honours of %(need)s needed") % {
            "have": len(matching), "need": needed}
    if code == Condition.TIER:
        tier = facts["tiers"].get(member_id, Tier.NONE)
        return tier >= condition.min_tier, _g("tier: %(tier)s") % {"tier": Tier(tier).label}
    if code == Condition.NO_VETO:
        items = facts["vetoes"].get(member_id)
        return not items, (_g("one-vote veto: %(items)s") % {"items": "、".join(items)}) if items else _g("no veto")
    if code == Condition.NOT_BARRED:
        reason = facts["barred"].get(member_id)
        return reason is None, (_g("barred: %(reason)s") % {"reason": reason}) if reason is not None else _g("not barred")
    if code == Condition.RANK_TOP:
        rank, size = facts["ranks"].get(member_id, (None, 0))
        if rank is None:
            return False, _g("not ranked")
        allowed = max(1, math.ceil(Decimal(size) * condition.top_percent / Decimal(100)))
        return rank <= allowed, _g("rank %(rank)s of %(size)s in the branch (top %(allowed)s)") % {
            "rank": rank, "size": size, "allowed": allowed}
    raise DomainError(_("Unknown condition: %(code)s") % {"code": code})


def _facts(*, year: int, member_ids: list[int]) -> dict:
    from scoring.periods.models import AnnualRating
    from scoring.tips.selectors import award_ineligible

    honours: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for member_id, kind, level in Honour.objects.filter(year=year, status=Honour.Status.VERIFIED).values_list(
            "member_id", "kind_code", "level"):
        honours[member_id].append((kind, level))
    return {
        "ratings": dict(AnnualRating.objects.filter(year=year).values_list("member_id", "rating")),
        "honours": honours,
        "tiers": dict(MemberTier.objects.filter(year=year).values_list("member_id", "tier")),
        "vetoes": vetoed_members(year=year),
        "barred": award_ineligible(year=year),
        "ranks": _branch_ranks(year=year),
    }


def evaluate_member(*, rule: StarRuleVersion, member_id: int, facts: dict) -> tuple[bool, list[str], list[dict]]:
    """(eligible, failed codes, explanation) of one member under `rule`. Groups are ORed, conditions
    in a group ANDed; a barred member is never eligible, whatever the rule says."""
    explanation, groups = [], defaultdict(list)
    for condition in rule.conditions.all():
        holds, detail = _check(condition, member_id=member_id, facts=facts)
        groups[condition.group].append(holds)
        explanation.append({"group": condition.group, "code": condition.code, "condition": _describe(condition),
                            "holds": holds, "detail": detail})
    eligible = any(all(values) for values in groups.values())
    barred = facts["barred"].get(member_id)
    if barred is not None and not any(e["code"] == Condition.NOT_BARRED for e in explanation):
        explanation.append({"group": 0, "code": Condition.NOT_BARRED.value, "condition": str(Condition.NOT_BARRED.label),
                            "holds": False, "detail": _g("barred: %(reason)s") % {"reason": barred}})
    if barred is not None:
        eligible = False
    failed = list(dict.fromkeys(e["code"] for e in explanation if not e["holds"]))
    return eligible, failed, explanation


@transaction.atomic
def star_evaluate(*, actor, year: int) -> StarEvaluation:
    """Evaluate every active member for `year` with the year's latest rule version; re-running
    replaces the year's results (audited, with the version used)."""
    from scoring.catalogue.models import ScoringYear

    if not ScoringYear.objects.filter(year=year).exists():
        raise DomainError(NO_SCORING_YEAR % {"year": year})
    rule = star_rule_for(year=year)
    if rule is None:
        raise DomainError(NO_RULE % {"year": year})
    tier_recompute(year=year)
    members = list(Member.objects.filter(status=Member.Status.ACTIVE).order_by("pk").values_list("pk", flat=True))
    facts = _facts(year=year, member_ids=members)
    now = clock.now()
    previous = StarEvaluation.objects.select_for_update().filter(year=year).first()
    before = snapshot(previous) if previous else None
    results = []
    with translation.override(settings.LANGUAGE_CODE):
        for member_id in members:
            eligible, failed, explanation = evaluate_member(rule=rule, member_id=member_id, facts=facts)
            results.append(StarResult(member_id=member_id, year=year, rule_version=rule.version, eligible=eligible,
                                      failed=failed, explanation=explanation))
    evaluation = previous or StarEvaluation(year=year)
    evaluation.rule_version_id = rule.pk
    evaluation.rule_version = rule.version
    evaluation.members = len(results)
    evaluation.eligible = sum(1 for r in results if r.eligible)
    evaluation.evaluated_at = now
    evaluation.evaluated_by_id = getattr(actor, "pk", None)
    full_clean_or_raise(evaluation)
    evaluation.save()
    StarResult.objects.filter(year=year).delete()
    for result in results:
        result.evaluation = evaluation
    StarResult.objects.bulk_create(results)
    audit_record(actor=actor, action="star.evaluate", instance=evaluation, before=before,
                 after={**snapshot(evaluation),
                        "eligible_members": [r.member_id for r in results if r.eligible]})
    return evaluation


# --- shortlists ------------------------------------------------------------------------------------------
def _window(kind: str, year: int) -> tuple[int, int]:
    """(last month, last quarter) of the award's window within scoring year `year`: the 七一 award
    looks at January to June, the year-end award at the whole year."""
    return (6, 2) if kind == ShortlistKind.JULY_FIRST else (12, 4)


def _evidence(*, kind: str, year: int) -> dict:
    """Everything a candidate's trail is made of, for every member at once."""
    from scoring.periods.models import AnnualRating, MemberMonthScore, Publication
    from scoring.tips.selectors import award_ineligible

    last_month, last_quarter = _window(kind, year)
    months: dict[int, list[tuple[str, int]]] = defaultdict(list)
    scores = (MemberMonthScore.objects.filter(close__scoring_year=year, close__month__lte=last_month)
              .values_list("member_id", "close__year", "close__month", "rank_in_branch"))
    for member_id, y, m, rank in scores:
        months[member_id].append((f"{y}-{m:02d}", rank))
    publications: dict[int, list[int]] = defaultdict(list)
    for publication in Publication.objects.filter(year=year, quarter__lte=last_quarter).exclude(
            status=Publication.Status.SUPERSEDED).only("pk", "data"):
        for branch in publication.data.get("branches", []):
            for row in branch.get("members", []):
                if row.get("rank", 99) <= 3:
                    publications[row["id"]].append(publication.pk)
    honours: dict[int, list[int]] = defaultdict(list)
    for member_id, honour_id in Honour.objects.filter(year=year, status=Honour.Status.VERIFIED).values_list(
            "member_id", "pk").order_by("awarded_on", "pk"):
        honours[member_id].append(honour_id)
    return {
        "months": months, "publications": publications, "honours": honours,
        "tiers": dict(MemberTier.objects.filter(year=year).values_list("member_id", "tier")),
        "eligible": set(StarResult.objects.filter(year=year, eligible=True).values_list("member_id", flat=True)),
        "ratings": dict(AnnualRating.objects.filter(year=year).values_list("member_id", "rating")),
        "totals": dict(MemberYearTotal.objects.filter(scoring_year=year).values_list("member_id", "total")),
        "barred": award_ineligible(year=year),
        "vetoes": vetoed_members(year=year),
    }


def _candidate(member_id: int, ev: dict) -> dict:
    ranked = ev["months"].get(member_id, [])
    top3 = sorted(month for month, rank in ranked if rank <= 3)
    tier = ev["tiers"].get(member_id, Tier.NONE)
    eligible = member_id in ev["eligible"]
    points = ev["totals"].get(member_id, ZERO)
    best = min((rank for _month, rank in ranked), default=None)
    parts = []
    if eligible:
        parts.append(_g("Party-member Star eligible"))
    if tier:
        parts.append(_g("tier: %(tier)s") % {"tier": Tier(tier).label})
    if top3:
        parts.append(_g("in the branch's top three in %(n)s months") % {"n": len(top3)})
    if ev["publications"].get(member_id):
        parts.append(_g("in the top three of %(n)s quarterly notices") % {"n": len(ev["publications"][member_id])})
    parts.append(_g("points this year: %(points)s") % {"points": points})
    return {"member_id": member_id, "tier": int(tier), "eligible": eligible, "year_points": points,
            "best_rank": best, "months_top3": len(top3), "months": top3,
            "publications": ev["publications"].get(member_id, []), "rating": ev["ratings"].get(member_id, ""),
            "honour_ids": ev["honours"].get(member_id, []), "reason": "；".join(parts)}


def _sort_key(c: dict):
    return (-int(c["eligible"]), -c["tier"], -c["months_top3"], -len(c["publications"]), -c["year_points"],
            c["member_id"])


def _shortlist_locked(shortlist_id: int) -> Shortlist:
    shortlist = Shortlist.objects.select_for_update().filter(pk=shortlist_id).first()
    if shortlist is None:
        raise NotFound(SHORTLIST_NOT_FOUND)
    if shortlist.status == Shortlist.Status.SUBMITTED:
        raise Conflict(SHORTLIST_LOCKED)
    return shortlist


@transaction.atomic
def shortlist_generate(*, actor, access: Access, kind: str, year: int) -> Shortlist:
    """(Re)build the township's draft shortlist for the award: members with a tier, a Party-member
    Star eligibility, a top-three month or quarterly notice, ranked by eligibility, tier, months in
    the top three, notices and points; the first `shortlist_size` (county template) are on the list,
    a few more are kept as reserves. Regenerating a draft replaces it (edits included)."""
    _office(access)
    if kind not in ShortlistKind.values:
        raise _field_error("kind", UNKNOWN_KIND_OF_AWARD)
    template = _template(year)
    shortlist = Shortlist.objects.select_for_update().filter(kind=kind, year=year).first()
    if shortlist is not None and shortlist.status == Shortlist.Status.SUBMITTED:
        raise Conflict(SHORTLIST_LOCKED)
    before = snapshot(shortlist) if shortlist else None
    shortlist = shortlist or Shortlist(kind=kind, year=year)
    shortlist.generated_at = clock.now()
    shortlist.generated_by_id = actor.pk
    full_clean_or_raise(shortlist)
    shortlist.save()
    shortlist.candidates.all().delete()
    ev = _evidence(kind=kind, year=year)
    pool = set(ev["tiers"]) | ev["eligible"] | set(ev["publications"]) | {
        m for m, ranks in ev["months"].items() if any(rank <= 3 for _month, rank in ranks)}
    active = set(Member.objects.filter(pk__in=pool, status=Member.Status.ACTIVE).values_list("pk", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        candidates = [_candidate(m, ev) for m in active if m not in ev["barred"] and m not in ev["vetoes"]]
    candidates = [c for c in candidates if c["eligible"] or c["tier"] or c["months_top3"] or c["publications"]]
    candidates.sort(key=_sort_key)
    candidates = candidates[:template.shortlist_size + RESERVES]
    ShortlistCandidate.objects.bulk_create([
        ShortlistCandidate(shortlist=shortlist, position=position, included=position <= template.shortlist_size, **c)
        for position, c in enumerate(candidates, start=1)])
    audit_record(actor=actor, action="shortlist.generate", instance=shortlist, before=before,
                 after={**snapshot(shortlist), "candidates": [c["member_id"] for c in candidates]})
    return shortlist


@transaction.atomic
def shortlist_edit(*, actor, access: Access, shortlist_id: int, member_id: int, action: str, reason: str
                   ) -> ShortlistCandidate:
    """The office puts a member on the draft shortlist or takes one off, with the reason."""
    _office(access)
    shortlist = _shortlist_locked(shortlist_id)
    if action not in ShortlistEdit.Action.values:
        raise _field_error("action", UNKNOWN_ACTION)
    reason = _text(reason, "reason")
    candidate = shortlist.candidates.select_for_update().filter(member_id=member_id).first()
    if action == ShortlistEdit.Action.ADD:
        from scoring.tips.selectors import award_ineligible

        if member_id in award_ineligible(year=shortlist.year):
            raise _field_error("member", BARRED_MEMBER)
        if member_id in vetoed_members(year=shortlist.year, member_ids=[member_id]):
            raise _field_error("member", VETOED_MEMBER)
        if candidate is None:
            if not Member.objects.filter(pk=member_id, status=Member.Status.ACTIVE).exists():
                raise _field_error("member", MEMBER_OUT_OF_SCOPE)
            with translation.override(settings.LANGUAGE_CODE):
                figures = _candidate(member_id, _evidence(kind=shortlist.kind, year=shortlist.year))
            position = (shortlist.candidates.order_by("-position").values_list("position", flat=True).first() or 0) + 1
            candidate = ShortlistCandidate(shortlist=shortlist, position=position, by_office=True, **figures)
    elif candidate is None:
        raise NotFound()
    before = snapshot(candidate) if candidate.pk else None
    candidate.included = action == ShortlistEdit.Action.ADD
    full_clean_or_raise(candidate)
    candidate.save()
    edit = ShortlistEdit(candidate=candidate, action=action, reason=reason, edited_by_id=actor.pk,
                         edited_at=clock.now())
    full_clean_or_raise(edit)
    edit.save()
    audit_record(actor=actor, action=f"shortlist.{action}", instance=shortlist, before=before,
                 after={"member": member_id, "included": candidate.included, "reason": reason})
    return candidate


@transaction.atomic
def shortlist_submit(*, actor, access: Access, shortlist_id: int) -> Shortlist:
    """Lock the shortlist and copy it to the county. A candidate barred or vetoed since the list was
    made is taken off first (recorded as an edit)."""
    from scoring.rewards.county.services import shortlist_receive
    from scoring.tips.selectors import award_ineligible

    _office(access)
    shortlist = _shortlist_locked(shortlist_id)
    barred = award_ineligible(year=shortlist.year)
    vetoes = vetoed_members(year=shortlist.year)
    now = clock.now()
    included = []
    for candidate in shortlist.candidates.select_related("member", "member__branch").filter(included=True).order_by(
            "position", "member_id"):
        if candidate.member_id in barred or candidate.member_id in vetoes:
            candidate.included = False
            candidate.save(update_fields=["included"])
            with translation.override(settings.LANGUAGE_CODE):
                why = str(BARRED_MEMBER if candidate.member_id in barred else VETOED_MEMBER)
            ShortlistEdit.objects.create(candidate=candidate, action=ShortlistEdit.Action.REMOVE, reason=why,
                                         edited_by_id=actor.pk, edited_at=now)
            continue
        included.append(candidate)
    if not included:
        raise Conflict(SHORTLIST_EMPTY)
    before = snapshot(shortlist)
    copy = shortlist_receive(actor=actor, township=connection.tenant, kind=shortlist.kind, year=shortlist.year,
                             local_id=shortlist.pk, candidates=[{
                                 "member_id": c.member_id, "member_name": c.member.name,
                                 "branch_name": c.member.branch.name, "tier": c.tier, "eligible": c.eligible,
                                 "year_points": c.year_points, "best_rank": c.best_rank, "rating": c.rating,
                                 "honour_count": len(c.honour_ids), "reason": c.reason} for c in included])
    shortlist.status = Shortlist.Status.SUBMITTED
    shortlist.submitted_at = now
    shortlist.submitted_by_id = actor.pk
    shortlist.county_copy_id = copy.pk
    shortlist.save(update_fields=["status", "submitted_at", "submitted_by_id", "county_copy_id"])
    audit_record(actor=actor, action="shortlist.submit", instance=shortlist, before=before,
                 after={**snapshot(shortlist), "candidates": [c.member_id for c in included]})
    return shortlist

