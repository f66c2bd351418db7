"""The demo county's branch life: a year of meetings with attendance in every township, built by
`manage.py seed_demo` after the scoring history.

In every township: the office's points rules for meetings (attendance of 三会一课 → JB01, of the
theme Party day → JB03, remote attendance → JB04, unexcused absence from a members' meeting or
theme day → WJ01), then twelve months of filed records for every branch (committee, group meeting
and theme Party day monthly, members' meeting and Party lesson quarterly; a few missed on purpose,
so some branches show as overdue), with attendance for every active member (members away mostly
excused or present remotely). These past records are written in bulk (rows as the services would
have left them, filed and locked; the triggers are not bypassed: attendance is inserted before
the versions are marked filed) and propose no points: they stand for the branch's paper books
from before the product, which is also why the scoring demo's entries are not duplicated.

In the first township (full demo only), this month's theme Party day of `secretary1`'s branch is recorded and
filed by `clerk1` through the services with its photo and sign-in sheet: the attendees' entries
are proposed, the office approves any that are late, and all but the last few pass the three
review levels and are posted. A member away (login `remote1`) confirms remote attendance of it,
and the clerk accepts: a second version, and the member's JB04 entry in review.

Idempotent: a township that has meetings is left alone.
"""
from __future__ import annotations

import datetime as dt
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.access import access_for
from common import clock
from common.demo import DemoContext
from common.errors import DomainError

MONTHS = 12
RULES = [  # kind, attendance, item, points
    *[(kind, "present", "JB01", "1") for kind in ("members", "committee", "group", "lesson")],
    ("theme_day", "present", "JB03", "1"),
    ("volunteer", "present", "XF02", "1"),
    *[(kind, "remote", "JB04", "1") for kind in ("members", "group", "lesson", "theme_day")],
    ("members", "absent", "WJ01", "-1"),
    ("theme_day", "absent", "WJ01", "-1"),
]
TOPICS = {
    "members": ["传达学习上级会议精神", "讨论发展党员事项", "季度积分公示", "民主评议党员"],
    "committee": ["研究本月支部工作", "讨论党员积分初审", "研究困难党员帮扶", "部署主题党日活动"],
    "group": ["学习党章", "交流学习体会", "收集群众意见", "学习《条例》"],
    "lesson": ["书记讲党课：坚定理想信念", "党史专题党课", "乡村振兴专题党课", "廉政党课"],
    "theme_day": ["重温入党誓词", "人居环境整治义务劳动", "走访慰问老党员", "学习全会精神"],
}
# (kind, every n months, day of the month)
SCHEDULE = [("committee", 1, 5), ("theme_day", 1, 15), ("group", 1, 20), ("lesson", 3, 10), ("members", 3, 25)]
MISS_RATE = 0.06


def _at(day: dt.date, hour: int, zone) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=zone)


def demo_step(ctx: DemoContext) -> None:
    from accounts.models import User
    from scoring.meetings.models import Meeting

    for index, (township, office) in enumerate(ctx.townships):
        with clock.History() as history, tenant_context(township):
            if Meeting.objects.exists():
                continue
            zone = township.time_zone_info()
            today = clock.today(at=history.real_now, zone=zone)
            with transaction.atomic():
                _rules(township=township, office=office, ctx=ctx)
                _history(township=township, office=office, today=today, ctx=ctx)
            if index == 0 and not ctx.small:  # the small demo (tests) keeps the scoring history exact
                _live(township=township, office=office, today=today, history=history, ctx=ctx)
    if ctx.townships and User.objects.filter(username="remote1").exists():
        ctx.logins.append(("remote1", "党员（在外）", f"{ctx.townships[0][0].name}：远程参会确认 /t/{ctx.townships[0][0].code}/meetings/"))


def _rules(*, township, office, ctx) -> None:
    from scoring.meetings.services import points_rule_set

    access = access_for(office, township)
    for kind, attendance, code, points in RULES:
        try:
            points_rule_set(actor=office, access=access, kind=kind, attendance=attendance, rule_code=code,
                            points=points)
        except DomainError:
            continue  # the township's catalogue has no such item: that rule is not set
        ctx.count("meeting points rules")


def _month_add(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _history(*, township, office, today: dt.date, ctx) -> None:
    """Twelve months of filed records for every branch, in bulk (see the module docstring)."""
    from scoring.meetings.models import AttendanceRow, Meeting, MeetingVersion
    from tenants.organisation.models import Branch, Member

    rng = random.Random(f"seed-demo-meetings:{township.code}")  # noqa: S311 - demo data
    zone = township.time_zone_info()
    members: dict[int, list] = {}
    for member in Member.objects.filter(status=Member.Status.ACTIVE).order_by("pk"):
        members.setdefault(member.branch_id, []).append(member)
    start = _month_add(today.replace(day=1), -MONTHS)
    plan = []  # (branch, kind, day)
    for branch in Branch.objects.order_by("pk"):
        if not members.get(branch.pk):
            continue
        for kind, every, day_of_month in SCHEDULE:
            month = start
            while month <= today:
                day = month.replace(day=day_of_month)
                in_period = (month.month - 1) % every == every - 1  # the period's last month
                if in_period and day < today and rng.random() >= MISS_RATE:
                    plan.append((branch, kind, day))
                month = _month_add(month, 1)
    meetings = Meeting.objects.bulk_create([
        Meeting(branch=branch, status=Meeting.Status.FILED, created_by_id=office.pk, filed_by_id=office.pk,
                filed_at=_at(day + dt.timedelta(days=1 if rng.random() < 0.9 else 9), 18, zone))
        for branch, kind, day in plan])
    versions = MeetingVersion.objects.bulk_create([
        MeetingVersion(meeting=meeting, number=1, kind=kind, held_on=day, place=f"{branch.name}活动室",
                       topic=rng.choice(TOPICS[kind]), host="支部书记" if kind != "group" else "党小组长",
                       minutes=f"{day:%Y年%m月%d日}召开，会议按议程进行。", created_by_id=office.pk)
        for meeting, (branch, kind, day) in zip(meetings, plan, strict=True)])
    rows = []
    for version, (branch, kind, _day) in zip(versions, plan, strict=True):
        for member in members[branch.pk]:
            if kind == "committee" and rng.random() < 0.7:
                continue  # committee meetings: the committee, not the whole branch
            rows.append(AttendanceRow(version=version, member=member, **_attendance(rng, member)))
    AttendanceRow.objects.bulk_create(rows, batch_size=5000)
    MeetingVersion.objects.filter(pk__in=[v.pk for v in versions]).update(is_filed=True)
    ctx.count("meetings", len(meetings))
    ctx.count("meeting attendance rows", len(rows))


def _attendance(rng: random.Random, member) -> dict:
    draw = rng.random()
    if member.is_migrant or member.is_special_occupation:
        if draw < 0.4:
            return {"status": "remote"}
        return {"status": "excused", "reason": "在外务工" if member.is_migrant else "出海作业"}
    if draw < 0.86:
        return {"status": "present"}
    if draw < 0.95:
        return {"status": "excused", "reason": rng.choice(["生病", "外出办事", "照顾家人"])}
    return {"status": "absent"}


def _live(*, township, office, today: dt.date, history, ctx) -> None:
    """This month's theme Party day of the demo branch, through the services (see the docstring)."""
    from accounts.models import Role, RoleAssignment, User
    from scoring.demo import demo_photo
    from scoring.ledger import services as ledger
    from scoring.ledger.models import Entry
    from scoring.meetings import services
    from scoring.meetings.models import RemoteConfirmation
    from tenants.organisation.models import Member

    users = {name: User.objects.filter(username=name).first()
             for name in ("clerk1", "secretary1", "workteam1", "liaison1")}
    if None in users.values():
        return
    branch_id = (RoleAssignment.objects.filter(user=users["secretary1"], township=township,
                                               role=Role.BRANCH_SECRETARY).values_list("branch_id", flat=True).first())
    members = list(Member.objects.filter(branch_id=branch_id, status=Member.Status.ACTIVE).order_by("pk"))
    if not members:
        return
    zone = township.time_zone_info()
    held_on = max(today - dt.timedelta(days=2), today.replace(day=1))
    history.set(_at(held_on, 17, zone))
    rng = random.Random(f"seed-demo-meetings-live:{township.code}")  # noqa: S311 - demo data
    attendance = {m.pk: tuple(_attendance(rng, m).values()) for m in members}
    away = next((m for m in members if m.is_migrant or m.is_special_occupation), None)
    if away is not None:
        attendance[away.pk] = ("excused", "在外务工")
    access = {name: access_for(user, township) for name, user in users.items()}
    photos = [SimpleUploadedFile(f"IMG_{held_on:%Y%m%d}_theme.png", demo_photo(seed=1, label=township.code),
                                 content_type="image/png")]
    sign_in = [SimpleUploadedFile("签到表.png", demo_photo(seed=2, label=township.code), content_type="image/png")]
    with transaction.atomic():
        meeting = services.meeting_create(
            actor=users["clerk1"], access=access["clerk1"], branch_id=branch_id, kind="theme_day", held_on=held_on,
            place="村党群服务中心", topic="重温入党誓词，学习全会精神", host="支部书记 刘长海",
            minutes="全体党员重温入党誓词，集体学习全会精神，组织开展人居环境整治义务劳动。",
            attendance=attendance, photos=photos, sign_in=sign_in)
        history.set(_at(held_on, 20, zone))
        result = services.meeting_file(actor=users["clerk1"], access=access["clerk1"], meeting_id=meeting.pk,
                                       late_reason="会议记录补录")
    ctx.count("meetings filed through the services")
    ctx.count("entries proposed from meetings", result.created)
    office_access = access_for(office, township)
    for entry in Entry.objects.filter(source=meeting.source, status=Entry.Status.AWAITING_LATE_APPROVAL):
        ledger.entry_late_decide(actor=office, access=office_access, entry_id=entry.pk, decision="approve",
                                 note="会议记录属实")
    history.set(_at(held_on + dt.timedelta(days=1), 10, zone))
    pending = list(Entry.objects.filter(source=meeting.source, status=Entry.Status.IN_REVIEW).order_by("pk"))
    for entry in pending[:-3]:  # the last few stay in the review queue
        for level, name in (("branch", "secretary1"), ("work_team", "workteam1"), ("liaison", "liaison1")):
            try:
                ledger.entry_review(actor=users[name], access=access[name], entry_id=entry.pk, decision="approve",
                                    level=level)
            except DomainError:
                break  # e.g. the reviewer's own record: it waits for someone else
        else:
            ctx.count("meeting entries posted")
    if away is None:
        return
    remote_user = _remote_login(township=township, member=away, ctx=ctx)
    history.set(_at(held_on + dt.timedelta(days=1), 21, zone))
    confirmation = services.remote_confirm(
        actor=remote_user, access=access_for(remote_user, township), meeting_id=meeting.pk, how="recording",
        note="在外地通过录像参加了主题党日学习",
        photo=SimpleUploadedFile("录像截图.png", demo_photo(seed=3, label=township.code), content_type="image/png"))
    history.set(_at(held_on + dt.timedelta(days=2), 9, zone))
    services.remote_decide(actor=users["clerk1"], access=access["clerk1"], confirmation_id=confirmation.pk,
                           decision="accept", late_reason="远程参会确认后补录")
    ctx.count("remote attendance confirmations", RemoteConfirmation.objects.count())


def _remote_login(*, township, member, ctx):
    from accounts.models import Role, RoleAssignment, User
    from accounts.services import role_assign, user_create
    from tenants.townships.demo import DEMO_PASSWORD

    user = User.objects.filter(username="remote1").first()
    if user is None:
        user = user_create(actor=None, username="remote1", password=DEMO_PASSWORD, initial_password=False,
                           full_name=member.name, email="remote1@example.com")
        ctx.count("users")
    if not RoleAssignment.objects.filter(user=user, role=Role.MEMBER, township=township).exists():
        role_assign(actor=None, user=user, role=Role.MEMBER, township=township, member_id=member.pk)
        ctx.count("roles")
    return user
