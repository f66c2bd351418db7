"""Work queues: what a signed-in person must do today, gathered from every domain.

A home page asks `work_for(request)` and shows the result: large actions first (e.g. "record
points" for a clerk on a phone), then one line per kind of waiting work with its count, how urgent
it is and a link straight to it. The shell knows no domain: each domain app registers its sources
in `AppConfig.ready()` (`work_source_register`), as events, reminders and beat entries are.

A source may also return a `Panel`: a block of the home page it renders itself (a member's points
and their trend, say), so a home shows a domain's figures without the shell importing the domain.

A source is `fn(request) -> Iterable[Task | Action | Panel]`, called inside the township's schema (or in
the public schema for the county's home, with `request.tenant` the county). It returns nothing
for roles it does not serve, and must cost a bounded number of queries (counts, not lists).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

TONES = ("", "warn", "danger")


@dataclass(frozen=True)
class Task:
    """A kind of waiting work: `count` things, `label` in the reader's language, `url` to them."""

    label: str
    count: int
    url: str
    tone: str = ""  # "", "warn" (due soon, waiting long) or "danger" (overdue)
    note: str = ""  # e.g. "oldest waiting 5 days", "answer due 3 Dec"
    order: int = 100

    def __post_init__(self):
        if self.tone not in TONES:
            raise ValueError(f"tone must be one of {TONES}")


@dataclass(frozen=True)
class Action:
    """Something a person starts from the home page (a big button on a phone)."""

    label: str
    url: str
    primary: bool = False
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A block of the home page rendered from the source's own `template` with `context` (shown
    after the work queue, in `order`)."""

    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


@dataclass
class Work:
    actions: list[Action] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(task.count for task in self.tasks)


Source = Callable[[object], Iterable["Task | Action | Panel"]]
_SCOPES = ("township", "county")
_sources: dict[str, dict[str, Source]] = {scope: {} for scope in _SCOPES}


def work_source_register(name: str, source: Source, *, scope: str = "township") -> None:
    """Register (or replace, by name) a source of work for township homes or the county's home."""
    if scope not in _SCOPES:
        raise ValueError(f"scope must be one of {_SCOPES}")
    _sources[scope][name] = source


def work_sources(scope: str = "township") -> dict[str, Source]:
    return dict(_sources[scope])


def work_for(request, *, scope: str = "township") -> Work:
    """Everything waiting for this person: actions in order, then tasks with something to do,
    the most urgent first."""
    work = Work()
    for source in _sources[scope].values():
        for item in source(request) or ():
            if isinstance(item, Action):
                work.actions.append(item)
            elif isinstance(item, Task) and item.count > 0:
                work.tasks.append(item)
            elif isinstance(item, Panel):
                work.panels.append(item)
    rank = {"danger": 0, "warn": 1, "": 2}
    work.actions.sort(key=lambda a: (not a.primary, a.order, a.label))
    work.tasks.sort(key=lambda t: (rank[t.tone], t.order, t.label))
    work.panels.sort(key=lambda p: (p.order, p.template))
    return work
