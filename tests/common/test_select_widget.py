"""`common.forms.Select` writes a select's HTML itself (Django renders three templates per option):
the markup must stay byte for byte Django's, whatever the choices, value, attributes or language."""
import datetime as dt

import pytest
from django import forms
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from common.forms import Select

CHOICES = [("", "Any"), ("full", "Full member"), ("probationary", gettext_lazy("Probationary"))]
GROUPED = [("", "—"), ("Village one", [(1, "Branch 1"), (2, "Branch <2> & \"quoted\"")]),
           ("Village two", [(3, mark_safe("<b>safe</b>")), (4, 1234)]), (None, "no value")]
ODD = [(5, dt.date(2026, 12, 3)), ("x'y", "it's"), (mark_safe("a&amp;b"), "safe value"), (True, False)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("choices", "value", "attrs"), [
    (CHOICES, None, None),
    (CHOICES, "probationary", {"id": "id_kind"}),
    (CHOICES, "", {"id": "id_kind", "required": True, "disabled": False, "data-autosubmit": True}),
    (GROUPED, "2", {"id": "id_branch", "title": 'say "hi" <there>'}),
    (GROUPED, 3, {"class": mark_safe("a&amp;b"), "data-n": 7}),
    (ODD, "a&amp;b", None),
    ([], None, {"id": "empty"}),
])
def test_renders_what_djangos_select_renders(language, choices, value, attrs):
    with translation.override(language):
        ours = Select(choices=choices).render("field", value, attrs=attrs)
        django = forms.Select(choices=choices).render("field", value, attrs=attrs)
    assert ours == django
    assert "<select" in ours  # (and not an empty string on both sides)


def test_a_form_field_renders_the_same_through_its_bound_field():
    class Ours(forms.Form):
        kind = forms.ChoiceField(choices=CHOICES, required=True, widget=Select)

    class Djangos(forms.Form):
        kind = forms.ChoiceField(choices=CHOICES, required=True)

    for data in ({"kind": "full"}, {"kind": "nonsense"}, None):
        ours, django = Ours(data)["kind"], Djangos(data)["kind"]
        assert str(ours) == str(django)
    assert 'required id="id_kind"' in str(Ours()["kind"])
