"""The ledger is append-only in the database and its hash chain catches tampering outside the app."""
from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from scoring.catalogue.models import Rule, ScoringYear
from scoring.county.models import LedgerSeal
from scoring.ledger.chain import link_hash, row_content
from scoring.ledger.models import Entry, Evidence, LedgerEntry, LedgerHead
from scoring.ledger.posting import Posting, ledger_post
from scoring.ledger.verify import ledger_verify
from scoring.periods.models import MonthClose
from tests.db import triggers_off
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

YEAR = 2026


def _post(member, *points, month=3):
    with transaction.atomic():
        return ledger_post(postings=[
            Posting(kind="adjustment", member_id=member.pk, points=Decimal(p), occurred_on=dt.date(YEAR, month, 1 + i),
                    scoring_year=YEAR, note=f"第{i + 1}条")
            for i, p in enumerate(points)
        ], actor_id=None)


def _as_superuser(*statements: str) -> None:
    """Run SQL with the append-only triggers off."""
    with triggers_off(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _points():
    return list(LedgerEntry.objects.order_by("seq").values_list("seq", "points"))


def test_raw_update_and_delete_fail_even_in_a_savepoint(township_a, in_township):
    with in_township(township_a):
        member = MemberFactory(name="张三")
        _post(member, "2", "3", "-1")
        before = list(LedgerEntry.objects.order_by("seq").values_list("seq", "points", "hash"))
        for sql in ("UPDATE ledger_ledgerentry SET points = 99 WHERE seq = 2",
                    "UPDATE ledger_ledgerentry SET note = 'x'",
                    "DELETE FROM ledger_ledgerentry WHERE seq = 3",
                    "DELETE FROM ledger_ledgerentry"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
                c.execute(sql)
        assert list(LedgerEntry.objects.order_by("seq").values_list("seq", "points", "hash")) == before
        result = ledger_verify()
        assert (result.ok, result.checked, result.first_broken_seq, result.head_matches) == (True, 3, None, True)
        assert result.reason == "台账完整：已核验 3 条记录。"


def test_edited_row_is_caught_and_named(township_a, in_township):
    with in_township(township_a):
        member = MemberFactory(name="张三")
        rows = _post(member, "2", "3", "-1", "4")
        _as_superuser("UPDATE ledger_ledgerentry SET points = 30 WHERE seq = 2")
        assert _points()[1] == (2, Decimal("30.00"))  # the edit really happened

        result = ledger_verify()

        assert not result.ok
        assert result.first_broken_seq == 2
        assert result.entry_id == rows[1].pk
        assert result.member_id == member.pk
        assert result.checked == 4
        assert result.head_matches is True  # hashes were left alone; the content gives it away
        assert result.reason == (f"台账第 2 号记录（id {rows[1].pk}，党员 张三 #{member.pk}）："
                                 "内容与其哈希值不符（该记录被改动过）。")


def test_deleted_middle_row_is_caught(township_a, in_township):
    with in_township(township_a):
        member = MemberFactory(name="李四")
        rows = _post(member, "2", "3", "-1", "4")
        _as_superuser("DELETE FROM ledger_ledgerentry WHERE seq = 2")

        result = ledger_verify()

        assert (result.ok, result.first_broken_seq, result.checked, result.entry_id) == (False, 2, 3, rows[2].pk)
        assert result.reason == (f"台账第 3 号记录（id {rows[2].pk}，党员 李四 #{member.pk}）："
                                 "其前的第 2 号记录缺失（序号从第 1 号跳到第 3 号）。")


def test_deleted_last_row_is_caught_by_the_head(township_a, in_township):
    with in_township(township_a):
        member = MemberFactory()
        _post(member, "2", "3")
        _as_superuser("DELETE FROM ledger_ledgerentry WHERE seq = 2")

        result = ledger_verify()

        assert (result.ok, result.first_broken_seq, result.head_matches) == (False, 2, False)
        assert result.reason == "台账链头（第 2 号）与最后一条记录（第 1 号）不符。"


def _seal(township, *, year, month, rows):
    head = rows[-1]
    MonthClose.objects.create(year=year, month=month, scoring_year=year, head_seq=head.seq, head_hash=head.hash,
                              entry_count=len(rows), closed_at=timezone.now())
    LedgerSeal.objects.create(township=township, year=year, month=month, head_seq=head.seq, head_hash=head.hash,
                              entry_count=len(rows), sealed_at=timezone.now())


def test_rewritten_chain_is_caught_by_the_county_seal(township_a, in_township):
    """Whoever edits a row and recomputes every hash after it (and the head, and the township's
    own close) is still caught: the county's copy of the sealed head hash no longer matches."""
    with in_township(township_a):
        member = MemberFactory()
        march = _post(member, "2", "3", month=3)
        _seal(township_a, year=YEAR, month=3, rows=march)
        _post(member, "5", month=4)
        assert ledger_verify().ok
        assert ledger_verify().months_checked == 1

        # Rewrite: change row 1 and re-chain every row after it.
        _as_superuser("UPDATE ledger_ledgerentry SET points = 20 WHERE seq = 1")
        prev = "0" * 64
        statements = []
        for row in LedgerEntry.objects.order_by("seq"):
            digest = link_hash(prev, row_content(row))
            statements.append(f"UPDATE ledger_ledgerentry SET prev_hash = '{prev}', hash = '{digest}' "  # noqa: S608
                              f"WHERE seq = {row.seq}")
            prev = digest
            if row.seq == march[-1].seq:
                statements.append(f"UPDATE periods_monthclose SET head_hash = '{digest}' "  # noqa: S608
                                  f"WHERE year = {YEAR} AND month = 3")
        _as_superuser(*statements)
        LedgerHead.objects.filter(pk=1).update(last_hash=prev)

        result = ledger_verify()

        assert (result.ok, result.first_broken_seq, result.head_matches) == (False, 2, True)
        assert result.reason == (f"县里保存的 {YEAR}-03 月封账（第 2 号记录）与乡镇的封账（第 2 号记录）不一致："
                                 "该记录及之前的台账被改写过。")


def test_close_whose_hash_differs_from_the_chain_is_caught(township_a, in_township):
    with in_township(township_a):
        member = MemberFactory()
        rows = _post(member, "2", "3", "4")
        _seal(township_a, year=YEAR, month=3, rows=rows[:2])
        with triggers_off():
            MonthClose.objects.filter(year=YEAR, month=3).update(head_hash="f" * 64)
            LedgerSeal.objects.filter(township=township_a, year=YEAR, month=3).update(head_hash="f" * 64)

        result = ledger_verify()

        assert (result.ok, result.first_broken_seq) == (False, 2)
        assert result.reason == (f"{YEAR}-03 月封账于第 2 号记录时的哈希值与现在不同：该记录及之前的台账被改写过。")


def test_changed_evidence_file_is_caught(township_a, in_township, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with in_township(township_a):
        member = MemberFactory(name="王五")
        year = ScoringYear.objects.create(year=YEAR, starts_on=dt.date(YEAR, 1, 1), ends_on=dt.date(YEAR, 12, 31))
        rule = Rule.objects.create(scoring_year=year, code="B01", name="参加组织生活", category="basic",
                                   points_min=1, points_max=5, effective_from=dt.date(YEAR, 1, 1))
        entry = Entry.objects.create(member=member, rule=rule, occurred_on=dt.date(YEAR, 3, 2), points=2,
                                     entered_by_id=1, lag_days=0, status=Entry.Status.POSTED)
        content = b"photo-bytes"
        sha = hashlib.sha256(content).hexdigest()
        evidence = Evidence(entry=entry, original_name="会议.jpg", content_type="image/jpeg", size=len(content),
                            sha256=sha, uploaded_by_id=1)
        evidence.file.save("meeting.jpg", ContentFile(content), save=True)
        with transaction.atomic():
            [row] = ledger_post(postings=[Posting(
                kind="adjustment", member_id=member.pk, points=Decimal(2), occurred_on=entry.occurred_on,
                scoring_year=YEAR, rule_id=rule.pk, entry_id=entry.pk, evidence_hashes=(sha,),
            )], actor_id=1)
        result = ledger_verify(check_files=True)
        assert (result.ok, result.files_checked) == (True, 1)

        with open(evidence.file.path, "wb") as handle:
            handle.write(b"another photo")
        assert ledger_verify().ok  # without --files the file is not read
        result = ledger_verify(check_files=True)

        assert (result.ok, result.first_broken_seq, result.entry_id) == (False, 1, row.pk)
        assert result.reason == (f"台账第 1 号记录（id {row.pk}，党员 王五 #{member.pk}）："
                                 "佐证文件 会议.jpg 与其哈希值不符（文件被改动过）。")


def test_two_townships_keep_separate_chains(township_a, township_b, in_township):
    with in_township(township_b):
        beta_member = MemberFactory()
        beta_rows = _post(beta_member, "1")
        beta_before = (_points(), LedgerHead.objects.values_list("last_seq", "last_hash").get())
    with in_township(township_a):
        alpha_member = MemberFactory()
        alpha_rows = _post(alpha_member, "2", "3", "4")
        assert [r.seq for r in alpha_rows] == [1, 2, 3]
        assert alpha_rows[0].prev_hash == "0" * 64
        assert LedgerEntry.objects.count() == 3
        assert ledger_verify().ok
    with in_township(township_b):
        assert [r.seq for r in beta_rows] == [1]
        assert (_points(), LedgerHead.objects.values_list("last_seq", "last_hash").get()) == beta_before
        assert ledger_verify().checked == 1
        assert ledger_verify().ok
        # Breaking alpha's chain does not touch beta's.
    with in_township(township_a):
        _as_superuser("UPDATE ledger_ledgerentry SET points = 0 WHERE seq = 1")
        assert ledger_verify().first_broken_seq == 1
    with in_township(township_b):
        assert ledger_verify().ok


def test_command_reports_each_township_and_fails_when_broken(township_a, township_b, in_township, capsys):
    with in_township(township_a):
        _post(MemberFactory(), "2", "3")
    with in_township(township_b):
        _post(MemberFactory(), "1")

    call_command("verify_ledger")
    out = capsys.readouterr().out
    assert "alpha: ok · 2 · 台账完整：已核验 2 条记录。" in out
    assert "beta: ok · 1 · 台账完整：已核验 1 条记录。" in out

    with in_township(township_b):
        _as_superuser("DELETE FROM ledger_ledgerentry WHERE seq = 1")
    with pytest.raises(CommandError, match="broken ledger in: beta") as excinfo:
        call_command("verify_ledger")
    assert excinfo.value.returncode == 1
    out = capsys.readouterr().out
    assert "alpha: ok" in out
    assert "beta: BROKEN" in out

    call_command("verify_ledger", "--township", "alpha")
    assert "beta" not in capsys.readouterr().out
    with pytest.raises(CommandError, match="no ready township"):
        call_command("verify_ledger", "--township", "nowhere")
