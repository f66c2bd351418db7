"""Resident ID numbers (GB 11643-1999): validation, masking, and the member form's error."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from audit.models import AuditEvent
from tenants.organisation.models import Member
from tenants.organisation.validators import (
    ID_NUMBER_BIRTH_DATE,
    ID_NUMBER_CHECK_DIGIT,
    ID_NUMBER_FORMAT,
    id_number_birth_date,
    id_number_check_digit,
    id_number_sex,
    mask_id_number,
    validate_id_number,
)
from tests.factories import BranchFactory

CHECK_DIGIT_ZH = "居民身份证号码校验位错误，请核对号码。"


def _with_check_digit(first17: str) -> str:
    return first17 + id_number_check_digit(first17)


def _message(exc_info) -> str:
    with translation.override("zh-hans"):
        return exc_info.value.messages[0]


@pytest.mark.parametrize("number", [
    "11010519491231002X",  # the standard's own example
    "11010519491231002x",  # lower-case x is the same number
    " 110105 19491231002X ",  # spaces are ignored
    _with_check_digit("37010219800229123"),  # a real 29 February
    _with_check_digit("44030619991231004"),
])
def test_valid_numbers_are_accepted(number):
    validate_id_number(number)


def test_check_digit_and_parts():
    assert id_number_check_digit("11010519491231002") == "X"
    assert id_number_check_digit("37010219800229123") == "4"  # 261 mod 11 = 8 -> "4"
    assert id_number_birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert id_number_sex("11010519491231002X") == "F"
    assert id_number_sex(_with_check_digit("37010219800229123")) == "M"


@pytest.mark.parametrize("number", ["110105194912310021", "110105194912310020", "370102198002291239"])
def test_wrong_check_digit_is_rejected_in_chinese(number):
    with pytest.raises(ValidationError) as exc_info:
        validate_id_number(number)
    assert exc_info.value.code == "id_number_check_digit"
    assert _message(exc_info) == CHECK_DIGIT_ZH
    with translation.override("zh-hans"):
        assert str(ID_NUMBER_CHECK_DIGIT) == CHECK_DIGIT_ZH


@pytest.mark.parametrize("number", [
    "", "1101051949123100", "1101051949123100211", "11010519491231002Y", "X10105194912310021", "1101051949-231002X",
])
def test_bad_format_is_rejected(number):
    with pytest.raises(ValidationError) as exc_info:
        validate_id_number(number)
    assert exc_info.value.code == "id_number_format"
    assert _message(exc_info) == "居民身份证号码应为17位数字加1位数字或X。"
    with translation.override("zh-hans"):
        assert str(ID_NUMBER_FORMAT) == "居民身份证号码应为17位数字加1位数字或X。"


@pytest.mark.parametrize("first17", [
    "11010519490230002",  # 30 February
    "11010519491301002",  # month 13
    "11010518991231002",  # before 1900
    "11010530000101002",  # in the future
    "11010519810229002",  # 1981 is not a leap year
])
def test_impossible_birth_date_is_rejected(first17):
    with pytest.raises(ValidationError) as exc_info:
        validate_id_number(_with_check_digit(first17))
    assert exc_info.value.code == "id_number_birth_date"
    assert _message(exc_info) == "居民身份证号码中的出生日期无效。"
    with translation.override("zh-hans"):
        assert str(ID_NUMBER_BIRTH_DATE) == "居民身份证号码中的出生日期无效。"


def test_mask_keeps_first_three_and_last_four():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_id_number("1234") == "****"
    assert mask_id_number("") == ""


def _member_post(branch, **overrides):
    data = {
        "name": "王秀英", "sex": "F", "birth_date": "1949-12-31", "id_number": "11010519491231002X",
        "phone": "13800000001", "joined_on": "1975-07-01", "kind": "full", "probation_ends_on": "",
        "category": "rural", "migrant_location": "", "special_occupation": "", "status": "active",
        "branch": str(branch.pk),
    }
    data.update(overrides)
    return data


def test_member_form_shows_the_chinese_error_and_creates_nothing(client, make_user, township_a, in_township):
    with in_township(township_a):
        branch = BranchFactory()
        members_before = Member.objects.count()
        events_before = AuditEvent.objects.count()
    client.force_login(make_user("township_office", township_a))

    response = client.post("/t/alpha/members/new/", _member_post(branch, id_number="110105194912310021"))

    assert response.status_code == 200
    html = response.content.decode()
    assert CHECK_DIGIT_ZH in html
    assert 'value="110105194912310021"' in html  # what was typed is kept for correction
    with in_township(township_a):
        assert Member.objects.count() == members_before
        assert AuditEvent.objects.count() == events_before


def test_member_form_rejects_an_impossible_date_and_creates_nothing(client, make_user, township_a, in_township):
    with in_township(township_a):
        branch = BranchFactory()
        members_before = Member.objects.count()
    client.force_login(make_user("township_office", township_a))

    response = client.post("/t/alpha/members/new/", _member_post(
        branch, id_number=_with_check_digit("11010519490230002")
    ))

    assert response.status_code == 200
    assert "居民身份证号码中的出生日期无效。" in response.content.decode()
    with in_township(township_a):
        assert Member.objects.count() == members_before


def test_member_form_with_a_valid_number_creates_the_member(client, make_user, township_a, in_township):
    with in_township(township_a):
        branch = BranchFactory()
    client.force_login(make_user("township_office", township_a))

    response = client.post("/t/alpha/members/new/", _member_post(branch, id_number="11010519491231002x"))

    with in_township(township_a):
        member = Member.objects.get(id_number="11010519491231002X")
        assert response.status_code == 302
        assert response["Location"] == f"/t/alpha/members/{member.pk}/"
        assert (member.name, member.branch_id, member.birth_date) == ("王秀英", branch.pk, dt.date(1949, 12, 31))
        assert list(AuditEvent.objects.filter(object_id=str(member.pk)).values_list("action", flat=True)) == [
            "member.create"
        ]
