"""The organisation step of the demo county (`manage.py seed_demo`), safe to run again.

What it builds (full size): the county row, 3 ready townships, in each 15 villages with
realistic names (3 of them large enough for a village general branch with two branches under
it), an organ branch, a retirees' branch and two non-public enterprise branches, and about 750
members of every kind: full and probationary (with the date probation ends), rural, organ,
enterprise and retired, migrant workers with where they work, seamen and other special
occupations, elderly members, and a few transferred out (with the transfer recorded) or
deceased. Resident ID numbers are valid GB 11643-1999 numbers matching birth date and sex.
Users: a county admin, a township office for each township, and one user for every other role
in the first township, all with the password DEMO_PASSWORD (see README, "Demo logins") and an
example.com e-mail address.

The steps after this one (each domain's own, e.g. scoring/demo.py) build on what it leaves in
the `DemoContext`: the county admin, the ready townships with their offices, and the users.

Idempotent: every row has a stable key (township code, village code, branch name, ID number,
username, role per township) and is only created when missing, so a second run writes nothing,
not even an audit event. Identities are generated from a fixed seed and a fixed reference date,
so they do not change from one day to the next.

Everything goes through the services (township_create/township_provision, user_create,
role_assign, village/branch/member_create, member_transfer), so every row has its audit
event. Provisioning runs here, synchronously: a command needs no worker.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.models import Role, RoleAssignment, User
from accounts.services import role_assign, user_create
from common import clock
from common.demo import DemoContext
from tenants.organisation.models import Branch, Member, Village
from tenants.organisation.services import branch_create, member_create, member_transfer, village_create
from tenants.organisation.validators import id_number_check_digit
from tenants.townships.models import Township
from tenants.townships.services import county_ensure, township_create, township_provision

DEMO_PASSWORD = "demo12345"
# Identities (birth dates, hence ID numbers) are computed from this date, never from today.
REFERENCE_DATE = dt.date(2025, 1, 1)
COUNTY_REGION = "371326"
ELDERLY_AGE = 70

TOWNSHIPS = [  # code, name, 3-digit township part of the village statistical codes
    ("qingshi", "青石镇", "101"),
    ("liuhe", "柳河镇", "102"),
    ("taoyuan", "桃园镇", "103"),
]
VILLAGE_NAMES = [
    "王家庄村", "李家洼村", "东河村", "西岭村", "后沟村", "前营村", "张家峪村", "石门村", "杨柳村", "马庄村", "刘家楼村", "南坡村", "北岭村",
    "黄土岭村", "柏树村", "大泉村", "小河村", "枣林村", "桃花峪村", "卧龙村", "青龙村", "白马村", "金山村", "银杏村", "双井村", "三合村",
    "四合村", "五里墩村", "八里铺村", "十里堡村", "高庄村", "孙家疃村", "赵家岭村", "周家湾村", "吴家沟村", "郑家庄村", "陈家峪村", "徐家庄村",
    "朱家洼村", "韩家村", "曹家庄村", "薛家沟村", "葛家庄村", "范家峪村", "上河村", "下河村", "东峪村", "西峪村", "南泉村", "北泉村", "石桥村",
    "柳林村", "松树村", "槐树村", "杏园村", "梨园村", "大兴村", "新安村", "永安村", "和平村",
]
ENTERPRISES = ["宏达建材有限公司", "绿源食品有限公司", "鑫泰机械制造有限公司", "金穗农业发展有限公司",
               "华兴纺织有限公司", "恒泰物流有限公司"]
SURNAMES = ("王" * 9 + "李" * 8 + "张" * 8 + "刘" * 6 + "陈" * 4 + "杨" * 3 + "赵" * 3 + "黄" * 2 + "周" * 2
            + "吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈彭吕苏卢蒋蔡贾丁魏薛叶田任姜范石姚孔崔")
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁建国庆海林峰德文志永俊福贵祥春生成山民兴东"
GIVEN_FEMALE = "芳娟敏静丽艳霞秀英华玲萍红梅燕兰凤洁琳娜慧珍琴云莲桂翠荣雪"
MIGRANT_PLACES = ["浙江省宁波市", "江苏省苏州市", "广东省东莞市", "广东省深圳市", "上海市嘉定区", "北京市大兴区",
                  "天津市滨海新区", "山东省青岛市", "江苏省昆山市", "福建省厦门市"]
SPECIAL_OCCUPATIONS = ["海员", "海员", "海员", "远洋渔船船员", "石油钻井平台工人"]
TRANSFER_DESTINATIONS = ["临沂市兰山区银雀山街道党工委", "济南市历下区泉城路街道党工委", "青岛市黄岛区长江路街道党工委",
                         "本县经济开发区党工委"]


@dataclass(frozen=True)
class Size:
    townships: int
    villages: int  # per township
    general_villages: int  # villages with a general branch and sub-branches (the last ones)
    sub_branches: int  # branches under each general branch
    enterprises: int
    members: dict[str, tuple[int, int]]  # members per branch, by branch role: (low, high)


FULL = Size(townships=3, villages=15, general_villages=3, sub_branches=2, enterprises=2, members={
    "village": (35, 50), "sub": (20, 28), "organ": (30, 40), "retirees": (35, 45), "enterprise": (12, 20),
})
# --small: one township, 2 villages, 6 branches (one of each kind), 20 members.
SMALL = Size(townships=1, villages=2, general_villages=1, sub_branches=1, enterprises=1, members={
    "village": (5, 5), "sub": (4, 4), "organ": (3, 3), "retirees": (4, 4), "enterprise": (4, 4),
})
# Every township gets at least one member of each of these, among its first rural members.
FORCED_FATES = ["probationary", "migrant", "special", "elderly", "transfer_out", "deceased", "transfer_within"]


@dataclass
class BranchPlan:
    name: str
    kind: str
    role: str  # key into Size.members, and the members' category
    village_code: str | None = None
    parent: str | None = None


@dataclass
class MemberPlan:
    branch: str
    fields: dict
    fate: str = ""  # "", "transfer_out" or "transfer_within"


@dataclass
class TownshipPlan:
    code: str
    name: str
    villages: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    branches: list[BranchPlan] = field(default_factory=list)
    members: list[MemberPlan] = field(default_factory=list)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class Planner:
    """Deterministic plan of one township's organisation (same seed, same plan, every day)."""

    def __init__(self, *, code: str, name: str, number: str, size: Size, today: dt.date):
        self.rng = random.Random(f"seed-demo:{code}")
        self.size = size
        self.today = today
        self.plan = TownshipPlan(code=code, name=name)
        self.number = number
        self.ids: set[str] = set()
        self.forced = list(FORCED_FATES)
        self.rural_seen = 0

    def build(self) -> TownshipPlan:
        rng, size, short = self.rng, self.size, self.plan.name.removesuffix("镇")
        names = rng.sample(VILLAGE_NAMES, size.villages)
        self.plan.villages = [(f"{COUNTY_REGION}{self.number}{201 + i:03d}", name) for i, name in enumerate(names)]
        general_from = size.villages - size.general_villages
        for i, (code, village) in enumerate(self.plan.villages):
            if i < general_from:
                self._branch(BranchPlan(f"{village}党支部", Branch.Kind.VILLAGE, "village", code))
            else:
                general = BranchPlan(f"{village}党总支", Branch.Kind.VILLAGE_GENERAL, "general", code)
                self._branch(general)
                ordinals = "一二三四五"
                for n in range(size.sub_branches):
                    self._branch(BranchPlan(f"{village}第{ordinals[n]}党支部", Branch.Kind.VILLAGE, "sub", code,
                                            parent=general.name))
        self._branch(BranchPlan(f"{self.plan.name}机关党支部", Branch.Kind.ORGAN, "organ"))
        self._branch(BranchPlan(f"{self.plan.name}机关退休干部党支部", Branch.Kind.RETIREES, "retirees"))
        for enterprise in rng.sample(ENTERPRISES, size.enterprises):
            self._branch(BranchPlan(f"{short}{enterprise}党支部", Branch.Kind.ENTERPRISE, "enterprise"))
        village_branches = [b.name for b in self.plan.branches if b.role in ("village", "sub")]
        for member in self.plan.members:
            if member.fate == "transfer_within":
                others = [name for name in village_branches if name != member.branch]
                member.fields["to_branch"] = others[0]
        return self.plan

    def _branch(self, branch: BranchPlan) -> None:
        self.plan.branches.append(branch)
        if branch.role == "general":
            return  # members of a general branch sit in the branches under it
        low, high = self.size.members[branch.role]
        for _ in range(self.rng.randint(low, high)):
            self.plan.members.append(self._member(branch))

    def _member(self, branch: BranchPlan) -> MemberPlan:
        rng = self.rng
        category = {"village": "rural", "sub": "rural", "retirees": "retired"}.get(branch.role, branch.role)
        fate = ""
        if category == "rural" and not self.rural_seen:
            pass  # the township's first rural member stays plain: the demo `member1` login
        elif category == "rural" and self.forced:
            fate = self.forced.pop(0)
        elif category == "rural":
            fate = rng.choices(["", "probationary", "migrant", "special", "transfer_out", "deceased"],
                               weights=[82, 3, 12, 1.5, 1, 0.5])[0]
        elif category in ("organ", "enterprise"):
            fate = rng.choices(["", "probationary"], weights=[96, 4])[0]
        elif category == "retired":
            fate = rng.choices(["", "deceased"], weights=[98, 2])[0]

        if fate == "probationary":
            age = rng.randint(20, 35)
        elif fate == "elderly":
            age = rng.randint(72, 84)
        elif fate in ("migrant", "special"):
            age = rng.randint(22, 52)
        elif category == "rural":
            age = rng.choice([rng.randint(25, 40), rng.randint(40, 60), rng.randint(40, 60),
                              rng.randint(60, 70), rng.randint(70, 88)])
        elif category == "organ":
            age = rng.randint(24, 58)
        elif category == "enterprise":
            age = rng.randint(22, 50)
        else:
            age = rng.randint(58, 86)
        male_share = {"rural": 0.72, "organ": 0.6, "enterprise": 0.65, "retired": 0.7}[category]
        sex = "M" if rng.random() < male_share else "F"
        birth = dt.date(REFERENCE_DATE.year - age - 1, 1, 1) + dt.timedelta(days=rng.randrange(365))
        given = GIVEN_MALE if sex == "M" else GIVEN_FEMALE
        name = rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice([1, 2, 2])))
        id_number = self._id_number(birth, sex)
        phone = "1" + rng.choice("3456789") + "".join(str(rng.randrange(10)) for _ in range(9))
        join_age = rng.randint(18, max(18, min(age - 2, 55)))
        joined = _years_before(birth, -join_age) + dt.timedelta(days=rng.randrange(300))
        fields = {
            "name": name, "sex": sex, "birth_date": birth, "id_number": id_number, "category": category,
            "phone": "" if age >= 75 and rng.random() < 0.4 else phone,
            "joined_on": min(joined, _years_before(self.today, 2)),
        }
        # Values below may depend on today; every random draw above does not.
        if fate == "probationary":
            fields["kind"] = Member.Kind.PROBATIONARY
            fields["joined_on"] = self.today - dt.timedelta(days=30 + rng.randrange(300))
            fields["probation_ends_on"] = fields["joined_on"] + dt.timedelta(days=365)
        elif fate == "migrant":
            fields.update(is_migrant=True, migrant_location=rng.choice(MIGRANT_PLACES))
        elif fate == "special":
            fields.update(is_special_occupation=True, special_occupation=rng.choice(SPECIAL_OCCUPATIONS))
        elif fate == "deceased":
            fields["status"] = Member.Status.DECEASED
        fields["is_elderly"] = _age_on(birth, self.today) >= ELDERLY_AGE and fields.get("status") != "deceased"
        self.rural_seen += category == "rural"
        plan_fate = fate if fate in ("transfer_out", "transfer_within") else ""
        if plan_fate == "transfer_out":
            fields["destination"] = rng.choice(TRANSFER_DESTINATIONS)
        return MemberPlan(branch=branch.name, fields=fields, fate=plan_fate)

    def _id_number(self, birth: dt.date, sex: str) -> str:
        """GB 11643-1999: region, birth date, 3-digit order code (odd for men), check digit."""
        serial = self.rng.randrange(500)
        while True:
            order = serial * 2 + (1 if sex == "M" else 0)
            first17 = f"{COUNTY_REGION}{birth:%Y%m%d}{order:03d}"
            number = first17 + id_number_check_digit(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number
            serial = (serial + 1) % 500


def organisation_step(ctx: DemoContext) -> None:
    """The county, townships, their organisation and one user per role (see the module doc)."""
    _Organisation(ctx).build()


class _Organisation:
    def __init__(self, ctx: DemoContext):
        self.ctx = ctx

    def build(self) -> None:
        ctx = self.ctx
        size = SMALL if ctx.small else FULL
        today = clock.today()
        county_ensure()
        county_admin = self._user("county", "县委组织部 李建国", Role.COUNTY_ADMIN, None)
        ctx.county_admin = county_admin
        ctx.logins.append(("county", Role.COUNTY_ADMIN.label, "全县"))
        others = []
        for index, (code, name, number) in enumerate(TOWNSHIPS[: size.townships], start=1):
            township = self._township(code=code, name=name, actor=county_admin)
            office = self._user(f"office{index}", f"{name}党建办 王敏{index}", Role.TOWNSHIP_OFFICE, township)
            ctx.logins.append((f"office{index}", Role.TOWNSHIP_OFFICE.label, f"{name} /t/{code}/"))
            plan = Planner(code=code, name=name, number=number, size=size, today=today).build()
            t0 = time.monotonic()
            with tenant_context(township), transaction.atomic():
                scope = self._organisation(plan, actor=office)
            ctx.say(f"{name}: organisation ready in {time.monotonic() - t0:.1f} s")
            if index == 1:
                others = self._first_township_roles(township, scope)
            ctx.townships.append((township, office))
        ctx.logins += others

    # -- helpers -------------------------------------------------------------------------------
    def _count(self, what: str, n: int = 1) -> None:
        self.ctx.count(what, n)

    def _township(self, *, code: str, name: str, actor) -> Township:
        township = Township.objects.filter(code=code).first()
        if township is None:
            with transaction.atomic():
                township = township_create(actor=actor, name=name, code=code)
                # Provision inside the same transaction: the township is never seen half-made.
                township = township_provision(township_id=township.pk)
            self._count("townships")
        elif township.status != Township.Status.READY:
            township = township_provision(township_id=township.pk)
        return township

    def _user(self, username: str, full_name: str, role: str, township, **scope) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            # example.com addresses (RFC 2606) so e-mail notifications have somewhere to go.
            user = user_create(actor=None, username=username, password=DEMO_PASSWORD, initial_password=False,
                               full_name=full_name,
                               email=f"{username}@example.com")
            self._count("users")
        held = RoleAssignment.objects.filter(user=user, role=role,
                                             township=None if role == Role.COUNTY_ADMIN else township)
        if not held.exists():
            role_assign(actor=None, user=user, role=role, township=township, **scope)
            self._count("roles")
        return user

    def _organisation(self, plan: TownshipPlan, *, actor) -> dict:
        villages = {v.code: v for v in Village.objects.all()}
        for code, name in plan.villages:
            if code not in villages:
                villages[code] = village_create(actor=actor, name=name, code=code)
                self._count("villages")
        branches = {b.name: b for b in Branch.objects.all()}
        for spec in plan.branches:
            if spec.name not in branches:
                branches[spec.name] = branch_create(
                    actor=actor, name=spec.name, kind=spec.kind,
                    village=villages[spec.village_code] if spec.village_code else None,
                    parent=branches[spec.parent] if spec.parent else None,
                )
                self._count("branches")
        existing = set(Member.objects.values_list("id_number", flat=True))
        for spec in plan.members:
            if spec.fields["id_number"] in existing:
                continue
            data = {k: v for k, v in spec.fields.items() if k not in ("destination", "to_branch")}
            member = member_create(actor=actor, branch=branches[spec.branch], **data)
            self._count("members")
            if spec.fate == "transfer_out":
                member_transfer(actor=actor, member=member, destination=spec.fields["destination"],
                                transferred_on=plan_date(member), reason="工作调动")
                self._count("transfers")
            elif spec.fate == "transfer_within":
                member_transfer(actor=actor, member=member, to_branch=branches[spec.fields["to_branch"]],
                                transferred_on=plan_date(member), reason="迁居本镇其他村")
                self._count("transfers")
        first_village = villages[plan.villages[0][0]]
        home_branch = next(b for b in plan.branches if b.village_code == first_village.code)
        plain = next(m for m in plan.members if m.branch == home_branch.name and not m.fate
                     and "status" not in m.fields and m.fields.get("kind") != Member.Kind.PROBATIONARY)
        return {
            "village_ids": [villages[code].pk for code, _name in plan.villages[:5]],
            "branch_id": branches[home_branch.name].pk,
            "member": Member.objects.get(id_number=plain.fields["id_number"]),
            "branch_name": home_branch.name,
            "village_names": [name for _code, name in plan.villages[:5]],
        }

    def _first_township_roles(self, township: Township, scope: dict) -> list[tuple[str, str, str]]:
        villages3, villages5 = scope["village_ids"][:3], scope["village_ids"][:5]
        names3, names5 = "、".join(scope["village_names"][:3]), "、".join(scope["village_names"][:5])
        member = scope["member"]
        people = [
            ("clerk1", "党建专员 张晓燕", Role.CLERK, {"village_ids": villages3}, names3),
            ("secretary1", "支部书记 刘长海", Role.BRANCH_SECRETARY, {"branch_id": scope["branch_id"]},
             scope["branch_name"]),
            ("workteam1", "包村工作队 陈志强", Role.WORK_TEAM, {"village_ids": villages3}, names3),
            ("liaison1", "包村领导 赵德明", Role.LIAISON_LEADER, {"village_ids": villages5}, names5),
            ("supervision1", "镇督查室 孙丽", Role.SUPERVISION_OFFICE, {}, township.name),
            ("discipline1", "镇纪委 周正", Role.DISCIPLINE_COMMISSION, {}, township.name),
            ("member1", member.name, Role.MEMBER, {"member_id": member.pk}, f"{member.name}（{scope['branch_name']}）"),
        ]
        logins = []
        for username, full_name, role, kwargs, where in people:
            self._user(username, full_name, role, township, **kwargs)
            logins.append((username, role.label, where))
        return logins


def plan_date(member: Member) -> dt.date:
    """A transfer date after the member joined: the later of joining + 1 year and 1 March 2024."""
    return max(member.joined_on + dt.timedelta(days=365), dt.date(2024, 3, 1))
