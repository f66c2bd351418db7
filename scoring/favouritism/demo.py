"""The demo county's favouritism signals, built by `manage.py seed_demo` after the scoring step.

- Every township: the signals of every closed month are computed (what the beat job
  `favouritism.compute_due` does each night).
- The full demo (two townships or more) also shows a flagged scorer. The first township's months
  are closed and sealed by the scoring step, so its ledger can take no new row in a closed month;
  the scenario is therefore played in the second township, which has no closed month yet: in the
  last ended month a clerk (`scorer2`) records eight volunteer-service additions for eight members
  of one village branch a week or more after the events (late entries, approved by the office),
  all in the month's last three days; the branch secretary (`secretary2`), the work team
  (`workteam2`) and the liaison leader (`liaison2`) approve them; the office closes the month on the 6th
  (or now), the signals are computed, and the office dismisses the branch's late-entry flag with a
  note, leaving the scorer's flags open for the supervision office to decide.

Everything goes through the services, with the clock (`common.clock.History`) set to when each
action would have happened, never later than the real time. Idempotent: the scenario is built
when `scorer2` does not exist yet; computing is idempotent by itself.
"""
from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.access import access_for
from common import clock
from common.demo import DemoContext
from scoring.ledger.chain import index_month, month_index

SCENARIO_USERS = (("scorer2", "孙计分", "clerk"), ("secretary2", "周书记", "branch_secretary"),
                  ("workteam2", "吴组长", "work_team"), ("liaison2", "郑领导", "liaison_leader"))
DISMISS_NOTE = "该支部汛期值守记录由村里统一补登，已电话核实当事人，属实。"
# The scenario plays in the second township (its index in `ctx.townships`); the scoring step leaves
# the scenario branch's entries of that month, and the month's close, to it.
SCENARIO_TOWNSHIP = 1


def scenario_month(today: dt.date) -> tuple[int, int]:
    """The last ended month."""
    return index_month(month_index(today.year, today.month) - 1)


def scenario_branch():
    """The first village branch (by village code) of the current township."""
    from tenants.organisation.models import Branch

    return Branch.objects.filter(kind=Branch.Kind.VILLAGE, village__isnull=False).order_by("village__code", "pk").first()


def demo_step(ctx: DemoContext) -> None:
    """Compute every township's closed months; in the full demo, play the flagged scorer first."""
    from scoring.favouritism.services import signals_compute_due

    if len(ctx.townships) > SCENARIO_TOWNSHIP:
        scenario_build(ctx, *ctx.townships[SCENARIO_TOWNSHIP])
    for township, _office in ctx.townships:
        with tenant_context(township):
            runs = signals_compute_due()
        if runs:
            ctx.count("signal computations", len(runs))
            ctx.count("signal flags", sum(run.flags for run in runs))


def _at(day: dt.date, hour: int, minute: int, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def scenario_build(ctx: DemoContext, township, office) -> None:
    from accounts.models import Role, User
    from accounts.services import role_assign, user_create
    from scoring.periods.models import MonthClose
    from tenants.organisation.models import Member
    from tenants.townships.demo import DEMO_PASSWORD

    if User.objects.filter(username="scorer2").exists():
        return
    zone = township.time_zone_info()
    with clock.History() as history, transaction.atomic():
        with tenant_context(township):
            today = clock.today(at=history.real_now, zone=zone)
            year, month = scenario_month(today)
            last = MonthClose.objects.order_by("-year", "-month").first()
            if last is not None and month_index(last.year, last.month) >= month_index(year, month):
                return  # the month is closed already: the scenario's entries could not be booked in it
            last_day = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            branch = scenario_branch()
            members = list(Member.objects.filter(branch=branch, status=Member.Status.ACTIVE,
                                                 joined_on__lte=dt.date(year, month, 1)).order_by("pk")[:8])
        if branch is None or len(members) < 5:
            return
        history.set(_at(last_day - dt.timedelta(days=40), 9, 0, zone))
        users = {}
        for username, name, role in SCENARIO_USERS:  # users live in the public schema
            user = user_create(actor=ctx.county_admin, username=username, password=DEMO_PASSWORD, full_name=name,
                               email=f"{username}@example.com", initial_password=False)
            scope = {"branch_id": branch.pk} if role == "branch_secretary" else {"village_ids": [branch.village_id]}
            role_assign(actor=ctx.county_admin, user=user, role=role, township=township, **scope)
            users[role] = user
            ctx.logins.append((username, str(Role(role).label), township.name))
        ctx.count("users", len(users))
        with tenant_context(township):
            _scenario_play(ctx, township, office, users=users, branch=branch, members=members, year=year,
                           month=month, last_day=last_day, history=history)


def _scenario_play(ctx, township, office, *, users, branch, members, year, month, last_day, history) -> None:
    from scoring.demo import demo_photo
    from scoring.favouritism.models import Signal
    from scoring.favouritism.services import signal_dismiss, signals_compute
    from scoring.ledger import services as ledger
    from scoring.periods.services import month_close

    zone = township.time_zone_info()
    access = {key: access_for(user, township) for key, user in users.items()}
    office_access = access_for(office, township)
    entry_ids = []
    for index, member in enumerate(members):
        recorded = _at(last_day - dt.timedelta(days=2 - index // 4), 19 + index % 4, 5 * index, zone)
        history.set(recorded)
        occurred = dt.date(year, month, 2 + index)
        photo = SimpleUploadedFile(f"IMG_{occurred:%Y%m%d}_{index + 1:04d}.png",
                                   demo_photo(seed=900 + index, label=f"{township.code}-signals"),
                                   content_type="image/png")
        entry = ledger.entry_create(
            actor=users["clerk"], access=access["clerk"], member_id=member.pk, rule_code="XF02",
            occurred_on=occurred, points=2, note="参加村道环境整治志愿服务", evidence_files=[photo],
            late_reason="月底统一补登本月志愿服务记录")
        entry_ids.append(entry.pk)
    history.set(_at(last_day, 8, 30, zone))
    for entry_id in entry_ids:
        ledger.entry_late_decide(actor=office, access=office_access, entry_id=entry_id, decision="approve",
                                 note="同意补录")
    for hour, (level, reviewer) in zip((10, 11, 12), (("branch", "branch_secretary"), ("work_team", "work_team"),
                                                        ("liaison", "liaison_leader")), strict=True):
        history.set(_at(last_day, hour, 0, zone))
        for entry_id in entry_ids:
            ledger.entry_review(actor=users[reviewer], access=access[reviewer], entry_id=entry_id,
                                decision="approve", level=level)
    ny, nm = index_month(month_index(year, month) + 1)
    history.set(min(_at(dt.date(ny, nm, 6), 10, 0, zone), history.real_now))
    month_close(year=year, month=month, actor=office, now=history.now())
    history.set(min(history.now() + dt.timedelta(minutes=30), history.real_now))
    signals_compute(year=year, month=month)
    flag = Signal.objects.filter(subject=Signal.Subject.BRANCH, kind=Signal.Kind.LATE).first()
    if flag is not None:
        history.set(min(history.now() + dt.timedelta(hours=2), history.real_now))
        signal_dismiss(actor=office, access=office_access, signal_id=flag.pk, note=DISMISS_NOTE)
    ctx.count("entries", len(entry_ids))
    ctx.say(f"{township.name}: favouritism scenario in {year}-{month:02d} ({len(entry_ids)} entries)")
