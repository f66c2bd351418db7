"""The draw's algorithm, pure Python (standard library only, no Django).

`tools/verify_draw.py` carries a copy of these functions so that anyone can recompute a
published draw without the product; `tests/scoring/test_oversight_sampler.py` proves that the two
agree on stored draws. Change them together and bump `ALGORITHM_VERSION`.

Algorithm "rivest-sha256-v1" (after Rivest's consistent sampler):
- the draw seed is `sha256("{secret seed}|{public value}|{township code}|{YYYY-MM}")` (hex);
- every village code gets a ticket `int(sha256("{draw seed},{code}")) / 2**256`; the villages
  are ordered by ticket (ties, which do not happen in practice, by code) and the `k` lowest win,
  where `k = max(ceil(n * share), ceil(n / 3), 1 if n > 0)`, share given as a fraction string;
- forced villages (unchecked too long, discrepancies last month) are added on top;
- the public value is the override the county entered for the month when there is one, else
  `sha256` of the canonical seal lines: one line `"{code}:{YYYY-MM}:{head_seq}:{head_hash}"` per
  township whose previous month the county holds a seal of, sorted by township code, joined by "\\n".
- members of a village are ordered by ticket with the draw seed `"{draw seed}|members|{village code}"`
  over member ids; key members come first (in the order given), then the lowest tickets.
"""
from __future__ import annotations

import hashlib
import math
from fractions import Fraction

ALGORITHM_VERSION = "rivest-sha256-v1"
ONE_THIRD = Fraction(1, 3)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def commitment_of(seed: str) -> str:
    """The published commitment of a secret seed."""
    return sha256_hex(seed)


def public_value_from_seals(lines: list[str]) -> str:
    """The public value from the county's seal lines (sorted here, so order does not matter)."""
    return sha256_hex("\n".join(sorted(lines)))


def seal_line(code: str, year: int, month: int, head_seq: int, head_hash: str) -> str:
    return f"{code}:{year:04d}-{month:02d}:{head_seq}:{head_hash}"


def draw_seed(seed: str, public_value: str, township_code: str, year: int, month: int) -> str:
    return sha256_hex(f"{seed}|{public_value}|{township_code}|{year:04d}-{month:02d}")


def ticket(seed: str, item_id: str) -> int:
    """The ticket of an item as an integer in [0, 2**256); divide by 2**256 for the fraction."""
    return int(hashlib.sha256(f"{seed},{item_id}".encode()).hexdigest(), 16)


def order_by_ticket(seed: str, ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda item: (ticket(seed, item), item))


def sample_size(n: int, share: str | Fraction) -> int:
    """At least one third, at least the share, at least one when there is any village."""
    if n <= 0:
        return 0
    share = max(Fraction(share), ONE_THIRD)
    return min(n, max(math.ceil(n * share), 1))


def villages_draw(*, seed: str, codes: list[str], share: str, forced: list[str] = ()) -> list[str]:
    """The drawn village codes: the k lowest tickets, in ticket order, then forced ones not yet in."""
    codes = sorted(set(codes))
    drawn = order_by_ticket(seed, codes)[:sample_size(len(codes), share)]
    chosen = set(drawn)
    return drawn + [code for code in sorted(set(forced)) if code in set(codes) and code not in chosen]


def members_choose(*, seed: str, village_code: str, member_ids: list[str], key_ids: list[str],
                   count: int) -> list[str]:
    """Key members first (those still in the village, in the order given), then random others,
    `count` in all (never fewer than the key members)."""
    present = set(member_ids)
    keys = [m for m in dict.fromkeys(key_ids) if m in present]
    others = order_by_ticket(f"{seed}|members|{village_code}", [m for m in member_ids if m not in set(keys)])
    return keys + others[:max(count - len(keys), 0)]


def public_value_from_override(text: str) -> str:
    """The public value from a value the county entered (e.g. a lottery result)."""
    return sha256_hex("override:" + text)
