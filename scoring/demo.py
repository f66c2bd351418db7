"""The demo county's scoring year, built by `manage.py seed_demo` after the organisation data.

What it builds, all through the services (so every row has its audit event and notification):
- the county's scoring policy and a template catalogue for the current scoring year with the four
  categories of the county's scheme (basic requirements, vanguard role, discipline deductions,
  one-vote veto), remote items for migrant and seafaring members and lighter items for the elderly;
- in every township: adoption of that template by the township office and the year's base score;
- in the first township, the year so far in the demo branch (the branch of `secretary1`, in
  `clerk1`'s villages): entries with photos recorded by the clerk (a few by the township office),
  reviewed at the three levels by secretary1, workteam1 and liaison1 (a few rejected, one late
  entry approved by the township office first), every finished month closed and sealed by the
  office in order, and the last finished quarter's notice opened for objections today.

Time. The history is written as it would have happened: each action runs with Django's clock
(`common.clock.History`, which the services, `auto_now_add` fields and the outbox follow) set
to the moment it would have taken place, never later than the real time. Entries are recorded a
day or two after the event (so they are not late entries), reviews follow a day apart, months
close on the 6th of the next month. Whatever today's date: actions that would lie in the future are
not taken (those entries wait in the review queues), a month that has not ended is not closed,
and the quarter is published only when its last month is closed.

Idempotent: the policy and the template are made when missing; a township's adoption, base score
and history are made in one transaction when it has no scoring year for the year yet, so a second
run writes nothing (`base_scores_grant` itself is idempotent too).
"""
from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_tenants.utils import schema_context, tenant_context

from accounts.access import access_for
from common import clock
from common.demo import DemoContext
from scoring.ledger.chain import index_month, month_index
from scoring.ledger.demo import Writer, branch_people, day_batches, township_activity, township_plans

# --- the county's catalogue -------------------------------------------------------------------------
POLICY = {"year_start_month": 1, "default_base_score": Decimal("60"), "late_window_days": 7,
          "objection_days": 7, "objection_answer_days": 5}

# Points as strings; bounds = the range a township may localise within. Additions need evidence
# (the services' default) except the elderly's lighter item.
TEMPLATE_ITEMS = [
    # 基本要求
    {"code": "JB01", "name": "按时参加“三会一课”等组织生活", "category": "basic", "points_min": "1", "points_max": "2",
     "bound_min": "1", "bound_max": "3", "monthly_cap": "4", "yearly_cap": "40", "applies_to": "resident",
     "description": "支部党员大会、支委会、党小组会和党课，每次签到计分。"},
    {"code": "JB02", "name": "按时足额缴纳党费", "category": "basic", "points_min": "1", "points_max": "1",
     "bound_min": "1", "bound_max": "2", "monthly_cap": "1", "yearly_cap": "12", "applies_to": "all",
     "description": "以党费收据或转账截图为凭。"},
    {"code": "JB03", "name": "参加支部主题党日活动", "category": "basic", "points_min": "1", "points_max": "3",
     "bound_min": "1", "bound_max": "4", "monthly_cap": "3", "yearly_cap": "36", "applies_to": "resident",
     "description": "每月固定主题党日，以活动照片和签到表为凭。"},
    {"code": "JB04", "name": "流动党员参加线上学习（远程教育、学习强国）", "category": "basic", "points_min": "1",
     "points_max": "2", "bound_min": "1", "bound_max": "3", "monthly_cap": "2", "yearly_cap": "24",
     "applies_to": "remote", "description": "外出务工党员、海员等在外党员，以学习截图为凭。"},
    {"code": "JB05", "name": "在外党员按季度提交书面思想汇报", "category": "basic", "points_min": "1", "points_max": "3",
     "bound_min": "1", "bound_max": "3", "monthly_cap": "3", "yearly_cap": "12", "applies_to": "remote",
     "description": "可邮寄或拍照发送支部书记。"},
    {"code": "JB06", "name": "老党员就近参加学习或讲述党史故事", "category": "basic", "points_min": "1",
     "points_max": "2", "bound_min": "1", "bound_max": "2", "monthly_cap": "2", "yearly_cap": "24",
     "applies_to": "elderly", "evidence_required": False,
     "description": "年满70周岁的老党员，可在家中或就近参加，不要求佐证材料。"},
    # 发挥先锋作用
    {"code": "XF01", "name": "带头致富、带领群众增收", "category": "vanguard", "points_min": "2", "points_max": "5",
     "bound_min": "1", "bound_max": "8", "yearly_cap": "15", "applies_to": "all"},
    {"code": "XF02", "name": "参加志愿服务（环境整治、帮扶济困等）", "category": "vanguard", "points_min": "1",
     "points_max": "3", "bound_min": "1", "bound_max": "4", "monthly_cap": "6", "applies_to": "all"},
    {"code": "XF03", "name": "调解邻里矛盾纠纷", "category": "vanguard", "points_min": "1", "points_max": "3",
     "bound_min": "1", "bound_max": "4", "monthly_cap": "6", "applies_to": "all"},
    {"code": "XF04", "name": "见义勇为、抢险救灾", "category": "vanguard", "points_min": "3", "points_max": "10",
     "bound_min": "3", "bound_max": "15", "applies_to": "all"},
    {"code": "XF05", "name": "建言献策被村“两委”采纳", "category": "vanguard", "points_min": "1", "points_max": "2",
     "bound_min": "1", "bound_max": "3", "yearly_cap": "6", "applies_to": "all", "may_disable": True},
    # Honours (scoring.rewards): a verified honour's points by level (county honour template) come in here.
    {"code": "RY01", "name": "获得荣誉表彰（按荣誉层级计分）", "category": "vanguard", "points_min": "1", "points_max": "10",
     "bound_min": "1", "bound_max": "10", "applies_to": "all",
     "description": "村级1分、乡镇级2分、县级4分、市级6分、省级10分，以荣誉证书为凭，经镇党建办核实。"},
    # 违纪扣分
    {"code": "WJ01", "name": "无故缺席组织生活", "category": "discipline", "points_min": "-3", "points_max": "-1",
     "bound_min": "-5", "bound_max": "-1", "applies_to": "all"},
    {"code": "WJ02", "name": "不按时缴纳党费", "category": "discipline", "points_min": "-3", "points_max": "-1",
     "bound_min": "-5", "bound_max": "-1", "applies_to": "all"},
    {"code": "WJ03", "name": "违反村规民约", "category": "discipline", "points_min": "-5", "points_max": "-2",
     "bound_min": "-8", "bound_max": "-1", "applies_to": "all"},
    {"code": "WJ04", "name": "参与赌博、封建迷信活动", "category": "discipline", "points_min": "-10", "points_max": "-5",
     "bound_min": "-15", "bound_max": "-3", "applies_to": "all"},
    # 一票否决
    {"code": "FJ01", "name": "违纪违法受到党纪政务处分", "category": "veto", "points_min": "0", "points_max": "0",
     "bound_min": "0", "bound_max": "0", "veto_rating": "unqualified", "applies_to": "all"},
    {"code": "FJ02", "name": "连续六个月不参加组织生活、不缴纳党费", "category": "veto", "points_min": "0",
     "points_max": "0", "bound_min": "0", "bound_max": "0", "veto_rating": "unqualified", "applies_to": "all"},
]

PARTY_DAY_THEMES = [
    "学习贯彻全会精神", "重温入党誓词", "人居环境整治义务劳动", "清明祭扫烈士陵园", "学习《中国共产党纪律处分条例》",
    "防汛安全知识学习", "“七一”主题党日", "乡村振兴政策宣讲", "秋收助农志愿服务", "学习新修订的村规民约",
    "冬季防火安全宣传", "年终党员大会",
]
VANGUARD_NOTES = {
    "XF01": ["带头发展大棚蔬菜种植，带动5户群众增收", "牵头成立花生种植合作社", "通过电商帮助村民销售苹果3000余斤"],
    "XF02": ["参加村内人居环境整治志愿服务", "为独居老人义务打扫卫生", "参加麦收期间防火巡查", "参与村道路边植树"],
    "XF03": ["调解邻里宅基地界限纠纷，双方达成一致", "化解两户因浇地用水引发的矛盾", "协助村委会调解赡养纠纷"],
}
REJECTIONS = [
    ("branch", "照片无法证明本人参加，请补充活动签到表后重新录入"),
    ("work_team", "该事项本月已记分，属重复录入"),
    ("branch", "活动时间与照片不符，请核实"),
]
LATE_REASON = "当事人事后才向村党支部反映，经核实后补录"
DEMO_ROLES = ("clerk", "secretary", "work_team", "liaison", "office")
LEVEL_REVIEWER = {"branch": "secretary", "work_team": "work_team", "liaison": "liaison"}


# --- evidence photos --------------------------------------------------------------------------------
def demo_photo(*, seed: int, label: str = "", width: int = 24, height: int = 16) -> bytes:
    """A small valid PNG (RGB gradient) whose bytes differ for every `seed`/`label`."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    r, g, b = rng.randrange(256), rng.randrange(256), rng.randrange(256)
    rows = b"".join(b"\x00" + b"".join(bytes(((r + x * 4) % 256, (g + y * 6) % 256, b)) for x in range(width))
                    for y in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    comment = f"demo photo {seed} {label}".encode("ascii", "replace")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\x00" + comment) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _at(day: dt.date, hour: int, minute: int, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def _month_end(year: int, month: int) -> dt.date:
    ny, nm = index_month(month_index(year, month) + 1)
    return dt.date(ny, nm, 1) - dt.timedelta(days=1)


# --- the plan of the demo branch's year -------------------------------------------------------------
@dataclass
class PlannedEntry:
    key: int
    member_id: int
    rule_code: str
    occurred_on: dt.date
    points: Decimal
    note: str
    recorded_at: dt.datetime
    enterer: str = "clerk"
    photo: bool = True
    late_reason: str = ""
    # (level, when, decision, score, reason); the entry stops at a rejection.
    reviews: list[tuple] = field(default_factory=list)
    late_approved_at: dt.datetime | None = None


@dataclass
class Action:
    when: dt.datetime
    order: int
    kind: str  # create, late_approve, review, close
    entry: PlannedEntry | None = None
    review: tuple | None = None
    month: tuple[int, int] | None = None
    batch: object = None  # kind "batch": a day of the other branches (scoring.ledger.demo.Batch)


@dataclass
class Plan:
    entries: list[PlannedEntry]
    actions: list[Action]  # sorted, none later than now
    months_to_close: list[tuple[int, int]]


def _caps() -> dict[str, tuple[Decimal | None, Decimal | None]]:
    return {item["code"]: (Decimal(item["monthly_cap"]) if item.get("monthly_cap") else None,
                           Decimal(item["yearly_cap"]) if item.get("yearly_cap") else None)
            for item in TEMPLATE_ITEMS}


def plan_year(*, members: list, starts_on: dt.date, now: dt.datetime, zone, seed: str,
              ends_on: dt.date | None = None, intensity: float = 1.0, late_waiting: bool = False) -> Plan:
    """A branch's year up to `now`: what is recorded, reviewed and closed, and when.

    `members` are objects with pk, joined_on, is_migrant, is_special_occupation, is_elderly (the
    branch's active members). Deterministic for the same inputs; nothing is planned after `now`,
    nor after `ends_on` (the year's last day, for a year that has ended). `intensity` scales how
    many members take part each month (1.0: the demo branch; other branches are less busy);
    `late_waiting` adds a late entry recorded yesterday that waits for the office's approval.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = clock.today(at=now, zone=zone)
    last_day = min(today, ends_on) if ends_on else today
    caps = _caps()
    used: dict[tuple, Decimal] = {}
    entries: list[PlannedEntry] = []

    def fits(member_id: int, code: str, day: dt.date, points: Decimal) -> bool:
        monthly, yearly = caps[code]
        month_key, year_key = (member_id, code, day.year, day.month), (member_id, code)
        if monthly is not None and abs(used.get(month_key, 0) + points) > abs(monthly):
            return False
        if yearly is not None and abs(used.get(year_key, 0) + points) > abs(yearly):
            return False
        used[month_key] = used.get(month_key, 0) + points
        used[year_key] = used.get(year_key, 0) + points
        return True

    def add(member, code: str, day: dt.date, points: int | str, note: str, *, lag: int | None = None,
            enterer: str = "clerk", photo: bool = True, late_reason: str = "", raise_by: int = 0,
            approve_late: bool = True) -> None:
        points = Decimal(str(points))
        if day > last_day or day < starts_on or member.joined_on > day:
            return
        if not fits(member.pk, code, day, points + raise_by):
            return
        lag = rng.choice([0, 1, 1, 2]) if lag is None else lag
        recorded = _at(day + dt.timedelta(days=lag), rng.randint(9, 17), rng.randrange(60), zone)
        if recorded > now:
            return
        entry = PlannedEntry(key=len(entries), member_id=member.pk, rule_code=code, occurred_on=day, points=points,
                             note=note, recorded_at=recorded, enterer=enterer, photo=photo, late_reason=late_reason)
        when = recorded
        if late_reason and not approve_late:
            entries.append(entry)  # waits for the township office
            return
        if late_reason:
            when = _at(recorded.date() + dt.timedelta(days=1), rng.randint(9, 11), rng.randrange(60), zone)
            entry.late_approved_at = when
        for level in ("branch", "work_team", "liaison"):
            when = _at(when.date() + dt.timedelta(days=rng.choice([1, 1, 2])), rng.randint(8, 20), rng.randrange(60),
                       zone)
            score = points + raise_by if level == "liaison" and raise_by else None
            entry.reviews.append((level, when, "approve", score, ""))
        entries.append(entry)

    residents = [m for m in members if not (m.is_migrant or m.is_special_occupation)]
    remote = [m for m in members if m.is_migrant or m.is_special_occupation]
    elderly = [m for m in members if m.is_elderly]
    first_index, last_index = month_index(starts_on.year, starts_on.month), month_index(last_day.year, last_day.month)
    for number, index in enumerate(range(first_index, last_index + 1)):
        year, month = index_month(index)
        days = _month_end(year, month).day
        party_day = dt.date(year, month, rng.randint(5, 12))
        theme = PARTY_DAY_THEMES[(month - 1) % len(PARTY_DAY_THEMES)]
        attendees = rng.sample(residents, max(1, round(len(residents) * 0.2 * intensity))) if residents else []
        for member in attendees:
            add(member, "JB03", party_day, rng.choice([2, 2, 3]), f"参加{month}月主题党日：{theme}")
        meeting = dt.date(year, month, rng.randint(13, min(days, 22)))
        for member in rng.sample(residents, max(1, round(len(residents) * 0.08 * intensity))) if residents else []:
            add(member, "JB01", meeting, 1, "参加支部党员大会")
        for _ in range(max(1, round(len(members) * 0.05 * intensity))):
            member = rng.choice(members)
            code = rng.choice(["XF02", "XF02", "XF03", "XF01"])
            points = {"XF01": rng.randint(2, 4), "XF02": 2, "XF03": 2}[code]
            day = dt.date(year, month, rng.randint(1, days))
            add(member, code, day, points, rng.choice(VANGUARD_NOTES[code]),
                raise_by=1 if code != "XF01" and rng.random() < 0.3 else 0)
        for member in remote:
            if rng.random() < 0.6 * intensity:
                add(member, "JB04", dt.date(year, month, rng.randint(1, days)), 1, "学习强国、远程教育线上学习")
            if month % 3 == 0:
                add(member, "JB05", dt.date(year, month, rng.randint(15, days)), 2, f"第{(month - 1) // 3 + 1}季度书面思想汇报")
        for member in elderly:
            if rng.random() < 0.3 * intensity:
                add(member, "JB06", dt.date(year, month, rng.randint(1, days)), 1, "在家中参加支部送学上门",
                    photo=False)
        absentees = [m for m in residents if m not in attendees]
        if absentees and rng.random() < 0.4:
            add(rng.choice(absentees), "WJ01", party_day, -2, f"无故缺席{month}月主题党日", photo=False)
        if number == 6 and members:  # once a year: recorded by the township office after a flood
            add(rng.choice(members), "XF04", dt.date(year, month, 20), 6, "参与防汛抢险，协助转移受困群众",
                enterer="office")
        if number == 4 and residents:
            add(rng.choice(residents), "WJ03", dt.date(year, month, 9), -3, "在村道违规堆放柴草，经劝导未及时清理",
                photo=False)
        if number == 2 and members:  # the late entry (补录), approved by the township office first
            add(rng.choice(members), "XF03", dt.date(year, month, 3), 2, "调解邻里宅基地界限纠纷，双方达成一致",
                lag=18, late_reason=LATE_REASON)
    if late_waiting and members and last_day == today and (today - starts_on).days > 20:
        add(rng.choice(members), "XF02", today - dt.timedelta(days=12), 1, rng.choice(VANGUARD_NOTES["XF02"]),
            lag=11, late_reason=LATE_REASON, approve_late=False)

    # A few rejections, spread over the year, among plain clerk entries.
    candidates = [e for e in entries if e.enterer == "clerk" and not e.late_reason and e.photo]
    for (level, reason), entry in zip(REJECTIONS, rng.sample(candidates, min(len(REJECTIONS), len(candidates))),
                                      strict=False):
        position = [r[0] for r in entry.reviews].index(level)
        when = entry.reviews[position][1]
        entry.reviews = [*entry.reviews[:position], (level, when, "reject", None, reason)]

    actions: list[Action] = []
    for entry in entries:
        actions.append(Action(when=entry.recorded_at, order=0, kind="create", entry=entry))
        if entry.late_approved_at is not None:
            actions.append(Action(when=entry.late_approved_at, order=0, kind="late_approve", entry=entry))
        actions.extend(Action(when=review[1], order=0, kind="review", entry=entry, review=review)
                       for review in entry.reviews)
    months = [index_month(i) for i in range(first_index, last_index + 1)  # every month that has ended
              if _month_end(*index_month(i)) < today]
    for number, (year, month) in enumerate(months):
        ny, nm = index_month(month_index(year, month) + 1)
        close_at = min(_at(dt.date(ny, nm, 6), 10, 0, zone), now)
        actions.append(Action(when=close_at, order=1 + number, kind="close", month=(year, month)))
    actions = sorted((a for a in actions if a.when <= now), key=lambda a: (a.when, a.order))
    return Plan(entries=entries, actions=actions, months_to_close=months)


# --- the seed ------------------------------------------------------------------------------------------
Count = Callable[[str, int], None]


def county_catalogue_ensure(*, actor, year: int, history: clock.History, count: Count):
    """The county policy (when missing) and the published template for `year` (when missing)."""
    from scoring.county.models import CountyPolicy, TemplateCatalogue
    from scoring.county.services import (
        county_policy_update,
        template_catalogue_create,
        template_catalogue_publish,
        template_item_create,
    )

    with schema_context("public"), transaction.atomic():
        if not CountyPolicy.objects.filter(pk=1).exists():
            county_policy_update(actor=actor, **POLICY)
            count("scoring policy", 1)
        template = TemplateCatalogue.objects.filter(year=year).first()
        if template is None:
            history.set(_at(dt.date(year, 1, 1) - dt.timedelta(days=40), 10, 0, clock.county_zone()))
            template = template_catalogue_create(actor=actor, year=year, title=f"{year}年度农村党员积分管理目录",
                                                 document=f"县组字〔{year}〕3号")
            for order, item in enumerate(TEMPLATE_ITEMS, start=1):
                template_item_create(actor=actor, catalogue=template, sort_order=order, **item)
            template = template_catalogue_publish(actor=actor, catalogue=template)
            count("template catalogues", 1)
            count("template items", len(TEMPLATE_ITEMS))
    return template


# The first township's users who record, review and close the demo scoring year.
DEMO_SCORERS = {"clerk": "clerk1", "secretary": "secretary1", "work_team": "workteam1", "liaison": "liaison1",
                "office": "office1"}


def demo_step(ctx: DemoContext) -> None:
    """The scoring app's step of `manage.py seed_demo` (after the organisation's)."""
    from accounts.models import User

    demo_users = {key: User.objects.get(username=name) for key, name in DEMO_SCORERS.items()}
    scoring_demo_seed(county_admin=ctx.county_admin, townships=ctx.townships, demo_users=demo_users,
                      count=ctx.count, say=ctx.say)


def scoring_demo_seed(*, county_admin, townships: list[tuple], demo_users: dict | None, count: Count,
                      say: Callable[[str], None] = lambda text: None) -> None:
    """Build the demo county's scoring year (see the module docstring).

    `townships`: (township, its office user), the first one gets the history; `demo_users`:
    role key (clerk, secretary, work_team, liaison, office) → user of the first township, or None.
    """
    from scoring.catalogue.models import ScoringYear
    from scoring.catalogue.services import scoring_year_adopt, scoring_year_dates, scoring_year_label_for
    from scoring.county.selectors import county_policy_get

    if not townships:
        return
    with clock.History() as history:
        zone = townships[0][0].time_zone_info()
        with schema_context("public"):
            start_month = county_policy_get().year_start_month if _policy_exists() else POLICY["year_start_month"]
        year = scoring_year_label_for(on=clock.today(at=history.real_now, zone=zone), start_month=start_month)
        for label in demo_years(year=year, today=clock.today(at=history.real_now, zone=zone), start_month=start_month):
            template = county_catalogue_ensure(actor=county_admin, year=label, history=history, count=count)
            for index, (township, office) in enumerate(townships):
                zone = township.time_zone_info()
                with tenant_context(township):
                    if ScoringYear.objects.filter(year=label).exists():
                        with transaction.atomic():
                            _base_scores(year=label, history=history, zone=zone, count=count)  # 0 normally
                        continue
                demo_branch = _demo_branch_id(township, demo_users) if index == 0 and demo_users else None
                history.set(history.real_now)
                people = branch_people(township=township, office=office, skip_branch_id=demo_branch, count=count)
                with tenant_context(township), transaction.atomic():
                    starts_on, ends_on = scoring_year_dates(year=label, start_month=county_policy_get().year_start_month)
                    history.set(_at(starts_on - dt.timedelta(days=10), 15, 0, zone))
                    scoring_year_adopt(actor=office, year=label, template_id=template.pk)
                    count("scoring years", 1)
                    history.set(_at(starts_on, 8, 30, zone))
                    _base_scores(year=label, history=history, zone=zone, count=count)
                    hold = _held_month(index=index, townships=townships, history=history, zone=zone, label=label)
                    plans = township_plans(township=township, year=label, starts_on=starts_on, ends_on=ends_on,
                                           now=history.real_now, people=people, hold=hold)
                    if demo_branch is not None:
                        history_build(township=township, year=label, starts_on=starts_on, ends_on=ends_on,
                                      users=demo_users, history=history, count=count, say=say,
                                      spread=(plans, people, office))
                    else:
                        closes = [m for m in months_ended(starts_on=starts_on, ends_on=ends_on, now=history.real_now,
                                                          zone=zone) if not hold or m < hold[1]]
                        made = township_activity(township=township, office=office, year=label, plans=plans,
                                                 people=people, history=history, closes=closes,
                                                 label=f"{township.code}-{label}")
                        for key, value in made.items():
                            count(key, value)
                    say(f"{township.name}: {label} scored in {len(plans) + (demo_branch is not None)} branches")
                    if label == year:
                        publication_latest_open(office=office, history=history, count=count)
                    history.set(history.real_now)


def _demo_branch_id(township, demo_users: dict) -> int | None:
    from accounts.models import Role, RoleAssignment

    return (RoleAssignment.objects.filter(user=demo_users["secretary"], township=township,
                                          role=Role.BRANCH_SECRETARY).values_list("branch_id", flat=True).first())


def _held_month(*, index: int, townships: list, history: clock.History, zone, label: int):
    """(branch id, month) the favouritism scenario plays in the second township: that branch's
    entries of the last ended month, and the month's close, are left to it."""
    from scoring.catalogue.services import scoring_year_label_for
    from scoring.favouritism.demo import SCENARIO_TOWNSHIP, scenario_branch, scenario_month

    if index != SCENARIO_TOWNSHIP or len(townships) <= SCENARIO_TOWNSHIP:
        return None
    month = scenario_month(clock.today(at=history.real_now, zone=zone))
    branch = scenario_branch()
    if branch is None or scoring_year_label_for(on=dt.date(*month, 1), start_month=POLICY["year_start_month"]) != label:
        return None
    return branch.pk, month


def months_ended(*, starts_on: dt.date, ends_on: dt.date, now: dt.datetime, zone) -> list[tuple[int, int]]:
    """The year's months that have ended by `now`, in order."""
    today = clock.today(at=now, zone=zone)
    last = min(today, ends_on)
    return [index_month(i) for i in range(month_index(starts_on.year, starts_on.month), month_index(last.year, last.month) + 1)
            if _month_end(*index_month(i)) < today]


def demo_years(*, year: int, today: dt.date, start_month: int) -> list[int]:
    """The scoring years the demo builds: the running one, and the one before while the running
    year is less than three months old, so the demo shows closed months and a publication on any
    date (in January too)."""
    from scoring.catalogue.services import scoring_year_dates

    starts_on, _ends_on = scoring_year_dates(year=year, start_month=start_month)
    young = month_index(today.year, today.month) - month_index(starts_on.year, starts_on.month) < 3
    return [year - 1, year] if young else [year]


def _policy_exists() -> bool:
    from scoring.county.models import CountyPolicy

    return CountyPolicy.objects.filter(pk=1).exists()


def _base_scores(*, year: int, history: clock.History, zone, count: Count) -> None:
    from scoring.catalogue.services import base_scores_grant

    granted = base_scores_grant(scoring_year=year, today=clock.today(at=history.now(), zone=zone))
    count("base scores", granted)


def publication_latest_open(*, office, history: clock.History, count: Count) -> None:
    """The last finished quarter's notice, opened now so its objection period is running (when
    that quarter's last month is closed)."""
    from scoring.periods import calendar
    from scoring.periods.models import MonthClose, Publication
    from scoring.periods.services import publication_open

    history.set(history.real_now)
    today = calendar.local_today(history.now())
    quarter_start = month_index(today.year, calendar.quarter_months(calendar.quarter_of(today.month))[0])
    q_year, q_last = index_month(quarter_start - 1)
    if (not MonthClose.objects.filter(year=q_year, month=q_last).exists()
            or Publication.objects.filter(year=q_year, quarter=calendar.quarter_of(q_last)).exists()):
        return
    publication_open(actor=office, year=q_year, quarter=calendar.quarter_of(q_last), now=history.now())
    count("publications", 1)


def demo_branch_members(*, branch_id: int) -> list:
    from tenants.organisation.models import Member

    return list(Member.objects.filter(branch_id=branch_id, status=Member.Status.ACTIVE).order_by("pk"))


def history_build(*, township, year: int, starts_on: dt.date, users: dict, history: clock.History, count: Count,
                  say: Callable[[str], None], ends_on: dt.date | None = None, spread: tuple | None = None) -> Plan:
    """The demo branch's year so far (see the module docstring). Runs in the township's schema,
    inside the caller's transaction, with `history` running. `spread`: (plans, people, office) of
    the other branches (`scoring.ledger.demo`), whose days are written between the demo branch's
    actions, before each month's close."""
    from accounts.models import Role, RoleAssignment
    from notifications.services import inbox_mark_all_read
    from scoring.ledger import services as ledger
    from scoring.periods.services import month_close

    zone = township.time_zone_info()
    branch_id = (RoleAssignment.objects.filter(user=users["secretary"], township=township,
                                               role=Role.BRANCH_SECRETARY).values_list("branch_id", flat=True).first())
    members = demo_branch_members(branch_id=branch_id)
    plan = plan_year(members=members, starts_on=starts_on, now=history.real_now, zone=zone,
                     seed=f"seed-demo-scoring:{township.code}:{year}", ends_on=ends_on)
    access = {key: access_for(user, township) for key, user in users.items()}
    entry_ids: dict[int, int] = {}
    made = {"entries": 0, "evidence files": 0, "reviews": 0, "late approvals": 0, "month closes": 0}
    actions, writer = list(plan.actions), None
    if spread:
        plans, people, office = spread
        writer = Writer(township=township, year=year, people=people, office=office, label=f"{township.code}-{year}")
        actions += [Action(when=batch.when, order=0, kind="batch", batch=batch)
                    for batch in day_batches(plans=plans, zone=zone, now=history.real_now)]
        actions.sort(key=lambda a: (a.when, a.order))
    for action in actions:
        history.set(action.when)
        entry = action.entry
        if action.kind == "batch":
            writer.apply(action.batch)
        elif action.kind == "create":
            files = []
            if entry.photo:
                name = f"IMG_{entry.occurred_on:%Y%m%d}_{entry.key + 1:04d}.png"
                files = [SimpleUploadedFile(name, demo_photo(seed=entry.key, label=f"{township.code}-{year}"),
                                            content_type="image/png")]
            created = ledger.entry_create(
                actor=users[entry.enterer], access=access[entry.enterer], member_id=entry.member_id,
                rule_code=entry.rule_code, occurred_on=entry.occurred_on, points=entry.points, note=entry.note,
                evidence_files=files, late_reason=entry.late_reason,
            )
            entry_ids[entry.key] = created.pk
            made["entries"] += 1
            made["evidence files"] += len(files)
        elif action.kind == "late_approve":
            ledger.entry_late_decide(actor=users["office"], access=access["office"], entry_id=entry_ids[entry.key],
                                     decision="approve", note="经核实属实，同意补录")
            made["late approvals"] += 1
        elif action.kind == "review":
            level, _when, decision, score, reason = action.review
            reviewer = LEVEL_REVIEWER[level]
            ledger.entry_review(actor=users[reviewer], access=access[reviewer], entry_id=entry_ids[entry.key],
                                decision=decision, score=score, reason=reason, level=level)
            made["reviews"] += 1
        else:
            y, m = action.month
            for user in {users[key].pk: users[key] for key in DEMO_ROLES}.values():  # people read their inbox
                inbox_mark_all_read(user=user, filters={"township": township.code})
            month_close(year=y, month=m, actor=users["office"], now=history.now())
            made["month closes"] += 1
            say(f"{township.name}: {y}-{m:02d} closed at {history.now():%Y-%m-%d %H:%M}")
    for key, value in made.items():
        count(key, value)
    for key, value in (writer.made if writer else {}).items():
        count(key, value)
    return plan
