"""The county reward rollup: every ready township's results read in a bounded number of statements.

Two statements whatever the number of townships (`tenants.townships.crossschema.union_all`): one for
the figures (members, members per tier, outstanding branches, eligible Party-member Stars, shortlist
candidates, fair scorers, award bars) and one for the county list (eligible stars and shortlist
candidates, never a member barred by a faking finding). When a statement fails (a township's schema
is broken or misses a table), the rollup falls back to the same SQL township by township, each in a
savepoint, and records the failing townships' errors while keeping the others' results.

Allocation: `allocate(total, weights)` shares `total` in proportion to the weights, each share
rounded ROUND_HALF_UP to 0.01, the rounding remainder added to the largest share, so the shares sum
exactly to `total`. With no weight at all the total is shared equally.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import DatabaseError, transaction

from scoring.rewards.choices import Tier
from tenants.townships.crossschema import union_all

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
OUTSTANDING = int(Tier.OUTSTANDING)

# Members barred from awards (faking established in their village): never counted or listed.
_NOT_BARRED = ("NOT EXISTS (SELECT 1 FROM {schema}.tips_awardineligibility x "
               "WHERE x.scoring_year = %s AND x.member_id = {member})")

FIGURES_SQL = f"""
SELECT
  (SELECT count(*) FROM {{schema}}.organisation_member WHERE status = 'active') AS members,
  (SELECT coalesce(jsonb_object_agg(tier, n), '{{{{}}}}'::jsonb) FROM (
     SELECT t.tier, count(*) AS n FROM {{schema}}.rewards_membertier t
       JOIN {{schema}}.organisation_member m ON m.id = t.member_id
      WHERE t.year = %s AND m.status = 'active' GROUP BY t.tier) x) AS tiers,
  (SELECT count(DISTINCT m.branch_id) FROM {{schema}}.rewards_membertier t
     JOIN {{schema}}.organisation_member m ON m.id = t.member_id
    WHERE t.year = %s AND m.status = 'active' AND t.tier = {OUTSTANDING}) AS branches,
  (SELECT count(*) FROM {{schema}}.rewards_starresult r
    WHERE r.year = %s AND r.eligible AND {_NOT_BARRED.format(schema="{schema}", member="r.member_id")}) AS stars,
  (SELECT count(*) FROM {{schema}}.rewards_shortlistcandidate c
     JOIN {{schema}}.rewards_shortlist s ON s.id = c.shortlist_id
    WHERE s.year = %s AND s.kind = %s AND c.included
      AND {_NOT_BARRED.format(schema="{schema}", member="c.member_id")}) AS candidates,
  (SELECT count(*) FROM (
     SELECT e.entered_by_id FROM {{schema}}.oversight_finding f
       JOIN {{schema}}.oversight_check k ON k.id = f.check_id
       JOIN {{schema}}.ledger_entry e ON e.id = f.entry_id
      WHERE k.year = %s GROUP BY e.entered_by_id HAVING bool_and(f.result = 'confirmed')) s) AS fair_scorers,
  (SELECT count(*) FROM {{schema}}.tips_awardineligibility WHERE scoring_year = %s) AS barred
"""  # noqa: S608 (constants only; union_all quotes the schema)

CANDIDATES_SQL = f"""
SELECT m.id AS member_id, m.name AS member_name, b.name AS branch_name,
       coalesce(t.tier, 0) AS tier, u.eligible, u.shortlisted
  FROM (SELECT member_id, bool_or(eligible) AS eligible, bool_or(shortlisted) AS shortlisted FROM (
          SELECT r.member_id, true AS eligible, false AS shortlisted FROM {{schema}}.rewards_starresult r
           WHERE r.year = %s AND r.eligible
          UNION ALL
          SELECT c.member_id, false, true FROM {{schema}}.rewards_shortlistcandidate c
            JOIN {{schema}}.rewards_shortlist s ON s.id = c.shortlist_id
           WHERE s.year = %s AND s.kind = %s AND c.included) x GROUP BY member_id) u
  JOIN {{schema}}.organisation_member m ON m.id = u.member_id
  JOIN {{schema}}.organisation_branch b ON b.id = m.branch_id
  LEFT JOIN {{schema}}.rewards_membertier t ON t.member_id = m.id AND t.year = %s
 WHERE {_NOT_BARRED.format(schema="{schema}", member="m.id")}
"""  # noqa: S608 (constants only; union_all quotes the schema)


def figures_params(year: int, kind: str) -> list:
    return [year, year, year, year, year, kind, year, year, year]


def candidates_params(year: int, kind: str) -> list:
    return [year, year, kind, year, year]


@dataclass
class Collected:
    """What the rollup read: figures and list rows per township id, errors per township id."""

    figures: dict[int, dict] = field(default_factory=dict)
    candidates: dict[int, list[dict]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    statements: int = 0
    fallback: bool = False


def _one_statement(townships, year: int, kind: str) -> Collected:
    got = Collected(statements=2)
    for row in union_all(townships=townships, sql=FIGURES_SQL, params=figures_params(year, kind)):
        got.figures[row["township_id"]] = row
    for township in townships:
        got.candidates[township.pk] = []
    for row in union_all(townships=townships, sql=CANDIDATES_SQL, params=candidates_params(year, kind)):
        got.candidates[row["township_id"]].append(row)
    return got


def collect(*, townships: Sequence, year: int, kind: str) -> Collected:
    """Every township's figures and list rows: two statements; township by township (each in a
    savepoint, errors recorded) only when the combined statement fails."""
    townships = list(townships)
    if not townships:
        return Collected()
    try:
        with transaction.atomic():
            return _one_statement(townships, year, kind)
    except DatabaseError as exc:
        logger.warning("rollup: the combined statement failed (%s); reading township by township", exc)
    got = Collected(fallback=True, statements=2)
    for township in townships:
        try:
            with transaction.atomic():
                one = _one_statement([township], year, kind)
        except DatabaseError as exc:
            got.errors[township.pk] = str(exc).strip().splitlines()[0][:500] if str(exc).strip() else type(exc).__name__
            got.statements += 1
            continue
        got.statements += 2
        got.figures.update(one.figures)
        got.candidates.update(one.candidates)
    return got


def tier_counts(figures: dict) -> list[int]:
    """Members per tier (no star first); active members without a tier row count as no star."""
    raw = figures.get("tiers") or {}
    # Django's raw cursor returns jsonb as text.
    raw = json.loads(raw) if isinstance(raw, str) else raw
    by_tier = {int(k): int(v) for k, v in raw.items()}
    counts = [by_tier.get(int(tier), 0) for tier in Tier]
    counts[0] = max(int(figures.get("members") or 0) - sum(counts[1:]), 0)
    return counts


def allocate(total: Decimal, weights: dict[Hashable, Decimal]) -> dict[Hashable, Decimal]:
    """Share `total` by `weights` (ROUND_HALF_UP to 0.01; the remainder to the largest share; equal
    shares when every weight is zero). The shares sum exactly to `total` (rounded to 0.01)."""
    total = Decimal(total).quantize(CENT, rounding=ROUND_HALF_UP)
    if not weights:
        return {}
    keys = list(weights)
    weight_sum = sum((Decimal(w) for w in weights.values()), Decimal("0"))
    if weight_sum <= 0:
        weights = dict.fromkeys(keys, Decimal("1"))
        weight_sum = Decimal(len(keys))
    shares = {key: (total * Decimal(weights[key]) / weight_sum).quantize(CENT, rounding=ROUND_HALF_UP)
              for key in keys}
    remainder = total - sum(shares.values(), Decimal("0"))
    if remainder:
        largest = max(keys, key=lambda key: (shares[key], Decimal(weights[key])))
        shares[largest] += remainder
    return shares
