import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.events import CHANNEL_LABELS, CHANNELS, EVENTS, event_choices

READ_CHOICES = [("", _("All")), ("false", _("Unread")), ("true", _("Read"))]
CHANNEL_CHOICES = [(code, CHANNEL_LABELS[code]) for code in CHANNELS]


class InboxFilterForm(forms.Form):
    township = forms.ChoiceField(label=_("Township"), required=False)
    event = forms.ChoiceField(label=_("Type"), required=False, choices=lambda: [("", _("All")), *event_choices()])
    read = forms.ChoiceField(label=_("Read"), required=False, choices=READ_CHOICES)

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", _("All"))] + [(t.code, t.name) for t in townships]


class FailedFilterForm(forms.Form):
    township = forms.ChoiceField(label=_("Township"), required=False)
    event = forms.ChoiceField(label=_("Type"), required=False, choices=lambda: [("", _("All")), *event_choices()])

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", _("All"))] + [(t.code, t.name) for t in townships]


def _event_field(code: str) -> str:
    return "event__" + code.replace(".", "__")


class PreferenceForm(forms.Form):
    """Channels per event type, quiet hours and the daily digest."""

    quiet_hours = forms.BooleanField(label=_("Hold SMS during quiet hours"), required=False)
    quiet_start = forms.TimeField(label=_("Quiet hours start"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_end = forms.TimeField(label=_("Quiet hours end"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    daily_digest = forms.BooleanField(
        label=_("Daily digest"), required=False,
        help_text=_("One e-mail per day listing the day's notifications instead of one e-mail per notification."),
    )

    def __init__(self, *args, preference, **kwargs):
        initial = {
            "quiet_hours": preference.quiet_hours,
            "quiet_start": preference.quiet_start or dt.time(22, 0),
            "quiet_end": preference.quiet_end or dt.time(7, 0),
            "daily_digest": preference.daily_digest,
        }
        chosen = preference.channels or {}
        for code, event in EVENTS.items():
            initial[_event_field(code)] = list(chosen.get(code, event.channels))
        super().__init__(*args, initial=initial, **kwargs)
        for code, event in EVENTS.items():
            choices = [c for c in CHANNEL_CHOICES if not event.urgent or c[0] in event.channels]
            self.fields[_event_field(code)] = forms.MultipleChoiceField(
                label=event.label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple,
            )

    def general_fields(self):
        return [self[name] for name in ("quiet_hours", "quiet_start", "quiet_end", "daily_digest")]

    def event_fields(self):
        return [self[_event_field(code)] for code in EVENTS]

    def channels(self) -> dict[str, list[str]]:
        return {code: list(self.cleaned_data.get(_event_field(code)) or []) for code in EVENTS}
