"""Reports from members away in the demo county (`settings.DEMO_STEPS`), in every township.

In each township's demo branch (the branch of a branch secretary when it has members away, else
the branch with most members away) up to three members away get a login (`<code>_away1`, ...,
password as every demo user) and submit this quarter's reports with a photo: the first member's
thought report is accepted (by the township office) and its entry passes the whole review path (points
posted, linked `report:<id>`), the second member's study note likewise, the third member's
thought report is returned with a reason, and the first member's study note waits for the
branch. Reviewers are the township's users in scope (`clerk1`, `secretary1`, `workteam1`,
`liaison1` in 青石镇); a township without them gets its own (`<code>_clerk`, `<code>_secretary`,
`<code>_workteam`, `<code>_liaison`).

Idempotent: nothing is written in a township that already has reports.
"""
from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django_tenants.utils import tenant_context

from accounts.access import access_for
from common.demo import DemoContext

RETURN_REASON = "汇报内容过于简单，请结合本人在外工作、学习实际补充后重新提交。"
TEXTS = {
    "thought": ("本季度思想汇报", "本季度我在外务工（航行）期间，坚持通过学习强国和支部微信群学习党的理论，"
                "按时向支部汇报思想和工作情况，积极参与所在地党组织活动。下季度将继续加强学习。"),
    "study": ("线上学习笔记", "学习了支部推送的党课内容，摘录要点并写下学习体会三条。"),
}
AWAY = Q(is_migrant=True) | Q(is_special_occupation=True)


def away_members(branch):
    from tenants.organisation.models import Member

    return list(Member.objects.filter(AWAY, branch=branch, status=Member.Status.ACTIVE).order_by("pk"))


def demo_branch(township):
    """The township's demo branch: a branch secretary's branch with members away, else the branch
    with most members away (None when the township has none)."""
    from accounts.models import Role, RoleAssignment
    from tenants.organisation.models import Branch, Member

    ids = RoleAssignment.objects.filter(township=township, role=Role.BRANCH_SECRETARY).order_by("pk").values_list(
        "branch_id", flat=True)
    active_away = Q(members__status=Member.Status.ACTIVE) & (Q(members__is_migrant=True)
                                                            | Q(members__is_special_occupation=True))
    ranked = Branch.objects.annotate(away=Count("members", filter=active_away)).filter(away__gt=0)
    for branch_id in ids:
        branch = ranked.filter(pk=branch_id).first()
        if branch is not None:
            return branch
    return ranked.order_by("-away", "pk").first()


def _user(ctx: DemoContext, township, username: str, full_name: str, role: str, **scope):
    from accounts.models import RoleAssignment, User
    from accounts.services import role_assign, user_create
    from tenants.townships.demo import DEMO_PASSWORD

    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(actor=None, username=username, password=DEMO_PASSWORD, initial_password=False,
                           full_name=full_name)  # no e-mail: these people use the phone pages
        ctx.count("users")
    if not RoleAssignment.objects.filter(user=user, role=role, township=township).exists():
        role_assign(actor=None, user=user, role=role, township=township, **scope)
        ctx.count("roles")
    return user


def branch_staff(ctx: DemoContext, township, branch) -> dict:
    """Users who accept reports and review entries of `branch`'s members: found in scope, else made."""
    from accounts.models import Role, RoleAssignment, User

    village_id = branch.village_id or (branch.parent.village_id if branch.parent_id else None)
    held = RoleAssignment.objects.filter(township=township).order_by("pk")
    found = {
        "clerk": held.filter(role=Role.CLERK, village_ids__contains=[village_id]).first() if village_id else None,
        "secretary": held.filter(role=Role.BRANCH_SECRETARY, branch_id__in=[branch.pk, branch.parent_id or 0]).first(),
        "work_team": held.filter(role=Role.WORK_TEAM, village_ids__contains=[village_id]).first() if village_id else None,
        "liaison": held.filter(role=Role.LIAISON_LEADER, village_ids__contains=[village_id]).first()
        if village_id else None,
    }
    staff = {key: User.objects.get(pk=row.user_id) for key, row in found.items() if row is not None}
    code = township.code
    village = [village_id] if village_id else []
    makers = {
        "clerk": (f"{code}_clerk", "党建专员（演示）", Role.CLERK, {"village_ids": village}),
        "secretary": (f"{code}_secretary", "支部书记（演示）", Role.BRANCH_SECRETARY, {"branch_id": branch.pk}),
        "work_team": (f"{code}_workteam", "包村工作队（演示）", Role.WORK_TEAM, {"village_ids": village}),
        "liaison": (f"{code}_liaison", "包村领导（演示）", Role.LIAISON_LEADER, {"village_ids": village}),
    }
    for key, (username, full_name, role, scope) in makers.items():
        if key not in staff and (village or key == "secretary"):
            staff[key] = _user(ctx, township, username, full_name, role, **scope)
            ctx.logins.append((username, role.label, f"{township.name} · {branch.name}"))
    return staff


def demo_step(ctx: DemoContext) -> None:
    for township, office in ctx.townships:
        with tenant_context(township):
            from scoring.reports.models import Report

            if Report.objects.exists():
                continue
            branch = demo_branch(township)
            if branch is None:
                continue
            with transaction.atomic():
                _build(ctx, township, office, branch)


def _photo(seed: int, label: str) -> SimpleUploadedFile:
    from scoring.demo import demo_photo

    return SimpleUploadedFile(f"{label}.png", demo_photo(seed=seed, label=label), content_type="image/png")


def _build(ctx: DemoContext, township, office, branch) -> None:
    from accounts.models import Role
    from scoring.ledger import services as ledger
    from scoring.reports import services

    members = away_members(branch)[:3]
    staff = branch_staff(ctx, township, branch)
    accepter = office  # the township office accepts in the demo, so the clerk's inbox stays the plan's
    people = []
    for number, member in enumerate(members, start=1):
        user = _user(ctx, township, f"{township.code}_away{number}", member.name, Role.MEMBER, member_id=member.pk)
        people.append(user)
        if township == ctx.townships[0][0]:
            where = member.special_occupation or member.migrant_location
            ctx.logins.append((user.username, Role.MEMBER.label, f"{member.name}（{branch.name}，{where}）"))

    def submit(user, kind, seed):
        title, body = TEXTS[kind]
        report = services.report_submit(actor=user, access=access_for(user, township), kind=kind, title=title,
                                        body=body, photos=[_photo(seed, f"{kind}-{seed}")])
        ctx.count("reports from members away")
        return report

    def accept_and_review(report):
        report = services.report_accept(actor=accepter, access=access_for(accepter, township), report_id=report.pk,
                                        points="1")
        for key in ("secretary", "work_team", "liaison"):
            entry = report.entry
            entry.refresh_from_db()
            reviewer = staff.get(key)
            if entry.status != entry.Status.IN_REVIEW or reviewer is None:
                break
            ledger.entry_review(actor=reviewer, access=access_for(reviewer, township), entry_id=entry.pk,
                                decision="approve")

    first = people[0]
    accept_and_review(submit(first, "thought", 1))
    if len(people) > 1:
        accept_and_review(submit(people[1], "study", 2))
    returned = submit(people[2] if len(people) > 2 else first, "thought" if len(people) > 2 else "study", 3)
    services.report_return(actor=accepter, access=access_for(accepter, township), report_id=returned.pk,
                           reason=RETURN_REASON)
    if len(people) > 2:
        submit(first, "study", 4)  # waits for the branch
