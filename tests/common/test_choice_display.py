"""`common.choices.ChoiceDisplay`: `get_<field>_display()` answers what Django's would, in the
reader's language, while building each field's choices only once."""
from django.db import models
from django.utils import translation

from scoring.ledger.models import LedgerEntry
from tenants.organisation.models import Member


def test_labels_follow_the_active_language_and_unknown_values_pass_through():
    member = Member(sex="F", kind="probationary", status="active")
    with translation.override("zh-hans"):
        assert (member.get_sex_display(), member.get_kind_display()) == ("女", "预备党员")
    with translation.override("en"):
        assert (member.get_sex_display(), member.get_kind_display()) == ("Female", "Probationary member")
    assert Member(sex="?").get_sex_display() == "?"
    assert LedgerEntry(kind=LedgerEntry.Kind.BASE).get_kind_display() == str(LedgerEntry.Kind.BASE.label)


def test_the_same_as_djangos_for_every_choice_of_every_mixed_in_model():
    for model in (Member, LedgerEntry):
        for field in model._meta.get_fields():
            if not getattr(field, "choices", None):
                continue
            for value, _label in field.flatchoices:
                row = model(**{field.attname: value})
                for language in ("zh-hans", "en"):
                    with translation.override(language):
                        ours = getattr(row, f"get_{field.name}_display")()
                        django = models.Model._get_FIELD_display(row, field)
                        assert ours == django, (model, field.name, value, language)


def test_new_choices_on_a_field_are_picked_up():
    field = Member._meta.get_field("sex")
    before = field.choices
    assert Member(sex="F").get_sex_display()  # keeps the dict for the current choices
    try:
        field.choices = [("F", "changed")]
        assert Member(sex="F").get_sex_display() == "changed"
    finally:
        field.choices = before
    with translation.override("en"):
        assert Member(sex="F").get_sex_display() == "Female"
