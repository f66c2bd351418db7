"""The demo county's spot checks, built by `manage.py seed_demo` after the scoring history.

In the first township, through the real services with the clock set as it would have happened
(`common.clock.History`): for each of the last four months whose draw day has come, the seed is
committed on the 25th of the month before and the month drawn on its draw day; next month is
committed too. The drawn checks are worked: entries confirmed and the check completed by its team
(or the office when the team is empty). An unannounced check of the demo branch's village by the
supervision office finds one entry without evidence (a discrepancy, no correction) and one that
did not happen, whose correction goes through the three review levels and is posted.

Idempotent: a month with a draw is left alone; the unannounced check is made once.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.access import access_for
from common import clock
from common.demo import DemoContext

MONTHS = 4


def _at(day: dt.date, hour: int, zone) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=zone)


def demo_step(ctx: DemoContext) -> None:
    if not ctx.townships:
        return
    township, office = ctx.townships[0]
    with clock.History() as history, tenant_context(township):
        _draws(township=township, office=office, history=history, ctx=ctx)
        _unannounced(township=township, history=history, ctx=ctx)


def _draws(*, township, office, history, ctx) -> None:
    from common.errors import DomainError
    from scoring.ledger.models import Entry
    from scoring.oversight import services
    from scoring.oversight.models import Check, Draw, Finding
    from scoring.oversight.policy import policy_effective
    from scoring.oversight.selectors import check_entries

    zone = township.time_zone_info()
    today = clock.today(at=history.real_now, zone=zone)
    months = []
    year, month = today.year, today.month
    for _ in range(MONTHS):
        months.insert(0, (year, month))
        year, month = services.previous_month(year, month)
    months.append(services.next_month(today.year, today.month))
    for year, month in months:
        if Draw.objects.filter(year=year, month=month).exists():
            continue
        py, pm = services.previous_month(year, month)
        history.set(_at(dt.date(py, pm, 25), 10, zone))
        with transaction.atomic():
            services.draw_commit(year=year, month=month, actor=office)
        ctx.count("spot-check commitments")
        draw_day = dt.date(year, month, policy_effective(year=year)["draw_day"])
        if _at(draw_day, 9, zone) > history.real_now:
            continue
        history.set(_at(draw_day, 9, zone))
        draw = services.draw_run(year=year, month=month, actor=office)
        ctx.count("spot-check draws")
        history.set(_at(draw_day + dt.timedelta(days=5), 15, zone))
        if history.moment >= history.real_now:
            continue
        for check in Check.objects.filter(draw=draw).order_by("id"):
            team = list(check.team.values_list("user_id", flat=True))
            from accounts.models import User

            worker = User.objects.filter(pk__in=team).order_by("id").first() or office
            access = access_for(worker, township)
            with transaction.atomic():
                for entries in check_entries(check).values():
                    for entry in entries:
                        if Finding.objects.filter(check_obj=check, entry=entry).exists() or \
                                entry.status != Entry.Status.POSTED:
                            continue
                        try:
                            services.finding_record(actor=worker, access=access, check_id=check.pk,
                                                    entry_id=entry.pk, result="confirmed", note="")
                            ctx.count("spot-check findings")
                        except DomainError:
                            continue
                services.check_complete(actor=worker, access=access, check_id=check.pk)
        history.set(history.real_now)


def _unannounced(*, township, history, ctx) -> None:
    from accounts.models import User
    from scoring.demo import DEMO_SCORERS
    from scoring.ledger import services as ledger
    from scoring.oversight import services
    from scoring.oversight.models import Check
    from scoring.oversight.selectors import check_entries
    from tenants.organisation.models import Branch

    if Check.objects.filter(kind=Check.Kind.UNANNOUNCED).exists():
        return
    supervisor = User.objects.filter(username="supervision1").first()
    secretary = User.objects.filter(username=DEMO_SCORERS["secretary"]).first()
    if supervisor is None or secretary is None:
        return
    from accounts.models import RoleAssignment

    branch_id = RoleAssignment.objects.filter(user=secretary, township=township).values_list(
        "branch_id", flat=True).first()
    branch = Branch.objects.filter(pk=branch_id).first()
    if branch is None or branch.village_id is None:
        return
    access = access_for(supervisor, township)
    with transaction.atomic():
        check = services.check_unannounced_open(actor=supervisor, access=access, village_id=branch.village_id,
                                                note="群众反映部分积分无佐证，开展不定期抽查")
        ctx.count("unannounced checks")
        entries = [e for rows in check_entries(check).values() for e in rows if e.final_points and e.final_points > 0]
        if not entries:
            return
        for index, entry in enumerate(entries[:6]):
            if index == 0:
                finding = services.finding_record(
                    actor=supervisor, access=access, check_id=check.pk, entry_id=entry.pk, result="discrepancy",
                    reason="not_happened", note="经核实当天未参加该活动，应予纠正", points=-entry.final_points)
                correction = finding.correction
            elif index == 1:
                services.finding_record(actor=supervisor, access=access, check_id=check.pk, entry_id=entry.pk,
                                        result="discrepancy", reason="no_evidence", note="无照片或签到表佐证")
            else:
                services.finding_record(actor=supervisor, access=access, check_id=check.pk, entry_id=entry.pk,
                                        result="confirmed")
            ctx.count("spot-check findings")
        services.check_complete(actor=supervisor, access=access, check_id=check.pk)
        for key in ("secretary", "work_team", "liaison"):
            reviewer = User.objects.get(username=DEMO_SCORERS[key])
            correction.refresh_from_db()
            if correction.status != "in_review":
                break
            ledger.entry_review(actor=reviewer, access=access_for(reviewer, township), entry_id=correction.pk,
                                decision="approve")
        ctx.count("corrections posted")
