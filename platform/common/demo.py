"""The demo county's shared state, handed from one app's demo step to the next.

`manage.py seed_demo` runs the steps listed in `settings.DEMO_STEPS` (the composition root owns
the order) with one `DemoContext`; each app provides its own step, a function taking the
context, that builds its part through its services and is idempotent (a second run writes
nothing). The first step (the organisation's) fills in the county admin, the townships and the
logins; later steps read them and may add logins of their own.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class DemoContext:
    small: bool = False
    county_admin: object = None
    # (township, its office user) in order; the first township carries the full demo.
    townships: list[tuple[object, object]] = field(default_factory=list)
    # (username, role label, where) printed at the end.
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    say: Callable[[str], None] = print

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n
