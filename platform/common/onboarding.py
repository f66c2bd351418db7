"""The checklist a new township's home shows until its set-up is done.

Each app that owns a set-up step registers it from its AppConfig.ready() (`onboarding_step_register`),
so the shell learns about domains by registration, never by import. A step is ticked from real data
(its `done` callable runs in the township's schema), never from a flag someone sets.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class OnboardingStep:
    """`path`: the page that does the step, under the township's prefix (e.g. "branches/new/")."""

    code: str
    order: int
    label: str
    help: str
    path: str
    done: Callable[[], bool]


STEPS: dict[str, OnboardingStep] = {}


def onboarding_step_register(*steps: OnboardingStep) -> None:
    for step in steps:
        STEPS[step.code] = step


@dataclass(frozen=True)
class ChecklistItem:
    step: OnboardingStep
    url: str
    done: bool


def onboarding_checklist(*, township) -> list[ChecklistItem]:
    """The set-up steps in order, each ticked from the township's data (call inside its schema)."""
    return [ChecklistItem(step=step, url=f"{township.url_prefix()}{step.path}", done=bool(step.done()))
            for step in sorted(STEPS.values(), key=lambda s: (s.order, s.code))]
