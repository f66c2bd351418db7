"""Verification of a township's hash-chained ledger (run in the township's schema).

`ledger_verify` streams the ledger in `seq` order (keyset pages of plain tuples, so 100,000 rows
take a few seconds and little memory) and checks, for every row: numbering continues without
a gap from #1, `prev_hash` equals the previous row's hash, and the row's hash is the hash of
the previous hash and the row's canonical content (scoring.ledger.chain). A row edited or
removed outside the application fails one of these. Then it checks that the chain head agrees
with the last row, that every monthly close was sealed with the chain's hash at that point,
and that the county's copies of the seals and its hourly anchors of the head (public schema, out
of the township's reach) agree, which catches even a rewrite that recomputed every hash after
the changed row, as soon as an anchor covers that row (scoring.ledger.anchors). With
`check_files`, each posted entry's evidence file must still hash to the hash that was chained.

The result reports the first broken link (lowest entry number), naming the entry and the
problem in the active language.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from common import clock
from scoring.ledger.chain import chained_content, link_hash
from scoring.ledger.models import GENESIS_HASH, Evidence, LedgerEntry, LedgerHead, MemberYearTotal

CHUNK = 10_000

ENTRY_LABEL = _("entry #%(seq)s (id %(id)s, member %(member)s)")
CHAIN_OK = _("The ledger is intact: %(count)s entries checked.")
SEQ_GAP = _("%(entry)s: entry #%(expected)s before it is missing (the numbers jump from #%(previous)s to #%(seq)s).")
PREV_HASH_BROKEN = _("%(entry)s: its link to the previous entry is broken (its previous hash does not match).")
HASH_BROKEN = _("%(entry)s: its content no longer matches its hash (the row was changed).")
HEAD_MISSING = _("The ledger head is missing although %(count)s entries are posted.")
HEAD_MISMATCH = _("The ledger head (#%(head_seq)s) does not match the last entry (#%(seq)s).")
CLOSE_ENTRY_MISSING = _("Month %(month)s was sealed at entry #%(seq)s, which is missing.")
CLOSE_HASH_MISMATCH = _("Month %(month)s was sealed at entry #%(seq)s with another hash: the ledger up to that "
                        "entry was rewritten.")
SEAL_MISSING = _("The county holds no seal of month %(month)s.")
SEAL_DIFFERS = _("The county's seal of month %(month)s (entry #%(county_seq)s) differs from the township's "
                 "(entry #%(seq)s): the ledger up to that entry was rewritten.")
CLOSE_MISSING = _("The county sealed month %(month)s at entry #%(seq)s but the township has no close for it.")
FILE_MISSING = _("%(entry)s: evidence file %(name)s is missing.")
FILE_CHANGED = _("%(entry)s: evidence file %(name)s no longer matches its hash.")
TOTAL_DIFFERS = _("The cached yearly total of member %(member)s for %(year)s is %(cached)s but the ledger sums to "
                  "%(actual)s.")
ANCHOR_CHAIN_BROKEN = _("The county's anchor %(number)s of this ledger was changed or removed (its chain of "
                        "anchors is broken).")
ANCHOR_BEYOND_END = _("The county anchored entry #%(seq)s at %(time)s, but the ledger ends at entry #%(last)s: "
                      "entries were removed.")
ANCHOR_DIFFERS = _("The county's anchor %(number)s (%(time)s) holds another hash for entry #%(seq)s: an entry "
                   "between #%(first)s and #%(seq)s was rewritten.")
EVIDENCE_NOT_CHAINED = _("%(entry)s: evidence %(name)s is not among the hashes chained with the entry.")

_FIELDS = ("id", "seq", "kind", "member_id", "rule_id", "entry_id", "reverses_id", "points", "occurred_on",
           "scoring_year", "booked_year", "booked_month", "note", "evidence_hashes", "posted_at", "posted_by_id",
           "prev_hash", "hash")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str
    head_matches: bool
    entry_id: int | None = None
    member_id: int | None = None
    months_checked: int = 0
    files_checked: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Problem:
    seq: int
    reason: str
    entry_id: int | None = None
    member_id: int | None = None


def _entry_label(*, seq: int, entry_id: int, member_id: int) -> str:
    from tenants.organisation.models import Member

    name = Member.objects.filter(pk=member_id).values_list("name", flat=True).first()
    member = f"{name} #{member_id}" if name else f"#{member_id}"
    return str(ENTRY_LABEL) % {"seq": seq, "id": entry_id, "member": member}


def _row_problem(row: tuple, message, *, at_seq: int | None = None, **extra) -> _Problem:
    """A problem found at `row` (its seq, or `at_seq` for a missing row before it)."""
    entry_id, seq, member_id = row[0], row[1], row[3]
    label = _entry_label(seq=seq, entry_id=entry_id, member_id=member_id)
    return _Problem(at_seq or seq, str(message) % {"entry": label, "seq": seq, **extra}, entry_id, member_id)


def _month(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def _scan_chain(wanted_seqs: set[int]) -> tuple[int, int, str, _Problem | None, dict[int, str]]:
    """Walk the chain; returns (rows checked, last seq, last stored hash, first problem, hashes at
    `wanted_seqs`)."""
    checked, last_seq, prev_hash, problem, hashes = 0, 0, GENESIS_HASH, None, {}
    query = LedgerEntry.objects.order_by("seq").values_list(*_FIELDS)
    while True:
        chunk = list(query.filter(seq__gt=last_seq)[:CHUNK])
        if not chunk:
            break
        for row in chunk:
            (_id, seq, kind, member_id, rule_id, entry_id, reverses_id, points, occurred_on, scoring_year,
             booked_year, booked_month, note, evidence_hashes, posted_at, posted_by_id, row_prev, row_hash) = row
            checked += 1
            if problem is None:
                if seq != last_seq + 1:
                    problem = _row_problem(row, SEQ_GAP, at_seq=last_seq + 1, expected=last_seq + 1,
                                           previous=last_seq)
                elif row_prev != prev_hash:
                    problem = _row_problem(row, PREV_HASH_BROKEN)
                else:
                    content = chained_content(
                        seq=seq, kind=kind, member_id=member_id, rule_id=rule_id, entry_id=entry_id,
                        reverses_id=reverses_id, points=points, occurred_on=occurred_on, scoring_year=scoring_year,
                        booked_year=booked_year, booked_month=booked_month, note=note,
                        evidence_hashes=list(evidence_hashes), posted_at=posted_at, posted_by_id=posted_by_id,
                    )
                    if link_hash(row_prev, content) != row_hash:
                        problem = _row_problem(row, HASH_BROKEN)
            if seq in wanted_seqs:
                hashes[seq] = row_hash
            last_seq, prev_hash = seq, row_hash
        if len(chunk) < CHUNK:
            break
    return checked, last_seq, prev_hash, problem, hashes


def _seal_problems(closes: list[dict], hashes: dict[int, str]) -> list[_Problem]:
    from scoring.county.models import LedgerSeal

    problems = []
    for close in closes:
        seq, month = close["head_seq"], _month(close["year"], close["month"])
        at_seq = GENESIS_HASH if seq == 0 else hashes.get(seq)
        if at_seq is None:
            problems.append(_Problem(seq, str(CLOSE_ENTRY_MISSING) % {"month": month, "seq": seq}))
        elif at_seq != close["head_hash"]:
            problems.append(_Problem(seq, str(CLOSE_HASH_MISMATCH) % {"month": month, "seq": seq}))
    township_id = getattr(connection.tenant, "pk", None)
    if township_id is None:
        return problems
    seals = {(s["year"], s["month"]): s for s in LedgerSeal.objects.filter(township_id=township_id)
             .values("year", "month", "head_seq", "head_hash")}
    by_month = {(c["year"], c["month"]): c for c in closes}
    for key, close in by_month.items():
        seal, month = seals.get(key), _month(*key)
        if seal is None:
            problems.append(_Problem(close["head_seq"], str(SEAL_MISSING) % {"month": month}))
        elif (seal["head_seq"], seal["head_hash"]) != (close["head_seq"], close["head_hash"]):
            problems.append(_Problem(min(seal["head_seq"], close["head_seq"]), str(SEAL_DIFFERS) % {
                "month": month, "county_seq": seal["head_seq"], "seq": close["head_seq"]}))
    for key, seal in seals.items():
        if key not in by_month:
            seq = seal["head_seq"]
            problems.append(_Problem(seq, str(CLOSE_MISSING) % {"month": _month(*key), "seq": seq}))
    return problems


def _anchor_problems(anchors: list, hashes: dict[int, str], last_seq: int) -> list[_Problem]:
    """Every county anchor of this township must be intact (its own chain) and agree with the
    ledger at the entry it copied; a mismatch is located between the previous anchor and it."""
    from scoring.ledger.anchors import anchor_expected_hash

    problems, prev_hash, prev_seq = [], GENESIS_HASH, 0
    code = getattr(connection.tenant, "code", "")
    for number, anchor in enumerate(anchors, start=1):
        time_label = f"{clock.localtime(anchor.anchored_at, connection.tenant):%Y-%m-%d %H:%M}"
        if anchor.number != number or anchor.prev_hash != prev_hash or anchor_expected_hash(
                anchor, code, prev_hash) != anchor.hash:
            problems.append(_Problem(prev_seq + 1, str(ANCHOR_CHAIN_BROKEN) % {"number": number}))
            break
        if anchor.head_seq > last_seq:
            problems.append(_Problem(last_seq + 1, str(ANCHOR_BEYOND_END) % {
                "seq": anchor.head_seq, "time": time_label, "last": last_seq}))
        else:
            stored = GENESIS_HASH if anchor.head_seq == 0 else hashes.get(anchor.head_seq)
            if stored != anchor.head_hash:
                first = min(prev_seq + 1, anchor.head_seq)
                problems.append(_Problem(first, str(ANCHOR_DIFFERS) % {
                    "number": anchor.number, "time": time_label, "seq": anchor.head_seq, "first": first}))
        prev_hash, prev_seq = anchor.hash, max(prev_seq, anchor.head_seq)
    return problems


def _file_sha256(name: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with default_storage.open(name, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except (FileNotFoundError, OSError):
        return None
    return digest.hexdigest()


def _file_problems() -> tuple[int, _Problem | None]:
    rows = (Evidence.objects.filter(entry__posting__isnull=False)
            .order_by("entry__posting__seq", "id")
            .values_list("entry__posting__id", "entry__posting__seq", "entry__posting__member_id",
                         "entry__posting__evidence_hashes", "file", "original_name", "sha256"))
    checked = 0
    for ledger_id, seq, member_id, chained, name, original_name, sha256 in rows.iterator(chunk_size=500):
        checked += 1
        row = (ledger_id, seq, None, member_id)
        if sha256 not in chained:
            return checked, _row_problem(row, EVIDENCE_NOT_CHAINED, name=original_name)
        actual = _file_sha256(name)
        if actual is None:
            return checked, _row_problem(row, FILE_MISSING, name=original_name)
        if actual != sha256:
            return checked, _row_problem(row, FILE_CHANGED, name=original_name)
    return checked, None


def _total_problem(last_seq: int) -> _Problem | None:
    """The first member whose cached yearly total differs from the sum of their ledger rows."""
    ledger, totals = LedgerEntry._meta.db_table, MemberYearTotal._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT COALESCE(s.member_id, t.member_id), COALESCE(s.scoring_year, t.scoring_year), t.total, s.total
            FROM (SELECT member_id, scoring_year, SUM(points) AS total, COUNT(*) AS rows
                  FROM {ledger} GROUP BY member_id, scoring_year) s
            FULL JOIN {totals} t ON t.member_id = s.member_id AND t.scoring_year = s.scoring_year
            WHERE s.total IS DISTINCT FROM t.total OR s.rows IS DISTINCT FROM t.rows
            ORDER BY 1, 2 LIMIT 1
        """)  # noqa: S608 - table names come from the models
        row = cursor.fetchone()
    if row is None:
        return None
    member_id, year, cached, actual = row
    reason = str(TOTAL_DIFFERS) % {"member": member_id, "year": year, "cached": cached or 0, "actual": actual or 0}
    return _Problem(last_seq + 1, reason, None, member_id)


def ledger_verify(*, check_files: bool = False) -> VerifyResult:
    """Recompute the current township's chain and report the first broken link (see module doc).

    Holds a share lock on the chain head for its duration: postings (which lock the head for
    update) wait, so a posting committed half-way cannot look like a broken chain.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {LedgerHead._meta.db_table} WHERE id = 1 FOR SHARE")  # noqa: S608
        return _verify(check_files=check_files)


def _verify(*, check_files: bool) -> VerifyResult:
    from scoring.periods.models import MonthClose

    started = time.perf_counter()
    closes = list(MonthClose.objects.order_by("head_seq", "year", "month").values("year", "month", "head_seq",
                                                                                  "head_hash"))
    wanted = {c["head_seq"] for c in closes}
    township_id = getattr(connection.tenant, "pk", None)
    anchors = []
    if township_id is not None:
        from scoring.county.models import LedgerAnchor, LedgerSeal

        wanted.update(LedgerSeal.objects.filter(township_id=township_id).values_list("head_seq", flat=True))
        anchors = list(LedgerAnchor.objects.filter(township_id=township_id).order_by("number"))
        wanted.update(anchor.head_seq for anchor in anchors)
    checked, last_seq, last_hash, chain_problem, hashes = _scan_chain(wanted)

    problems = [chain_problem] if chain_problem else []
    head = LedgerHead.objects.filter(pk=1).values("last_seq", "last_hash").first()
    if head is None:
        head_matches = checked == 0
        if not head_matches:
            problems.append(_Problem(last_seq, str(HEAD_MISSING) % {"count": checked}))
    else:
        head_matches = (head["last_seq"], head["last_hash"]) == (last_seq, last_hash)
        if not head_matches:
            problems.append(_Problem(min(head["last_seq"], last_seq) + 1,
                                     str(HEAD_MISMATCH) % {"head_seq": head["last_seq"], "seq": last_seq}))
    problems.extend(_seal_problems(closes, hashes))
    problems.extend(_anchor_problems(anchors, hashes, last_seq))
    total_problem = _total_problem(last_seq)
    if total_problem:
        problems.append(total_problem)
    files_checked = 0
    if check_files:
        files_checked, file_problem = _file_problems()
        if file_problem:
            problems.append(file_problem)

    seconds = round(time.perf_counter() - started, 3)
    if not problems:
        return VerifyResult(ok=True, checked=checked, first_broken_seq=None,
                            reason=str(CHAIN_OK) % {"count": checked}, head_matches=head_matches,
                            months_checked=len(closes), files_checked=files_checked, seconds=seconds)
    first = min(problems, key=lambda p: p.seq)  # stable: on a tie the chain's own problem wins
    return VerifyResult(ok=False, checked=checked, first_broken_seq=first.seq, reason=first.reason,
                        head_matches=head_matches, entry_id=first.entry_id, member_id=first.member_id,
                        months_checked=len(closes), files_checked=files_checked, seconds=seconds)
