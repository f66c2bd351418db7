"""Writes of the county's rewards part (public schema): the honour template of a year, Party-member
Star rule versions (never changed: a change is a new version), and a township's submitted shortlist.

The county admin sets the template and the rule; `shortlist_receive` is called by the township's
`shortlist_submit` in its own transaction (the public tables are reachable from every schema)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, full_clean_or_raise
from scoring.rewards.choices import LEVEL_ORDER, Condition, ShortlistKind, Tier
from scoring.rewards.county import rollup
from scoring.rewards.county.models import (
    HonourKind,
    HonourTemplate,
    RewardPolicy,
    RollupCandidate,
    RollupRun,
    RollupTownship,
    StarCondition,
    StarRuleVersion,
    SubmittedCandidate,
    SubmittedShortlist,
)

KINDS_REQUIRED = _("List at least one kind of honour (code and name).")
KIND_DUPLICATE = _("Honour kind codes must be unique: %(code)s")
CONDITIONS_REQUIRED = _("A rule needs at least one condition.")
CONDITION_UNKNOWN = _("Unknown condition: %(code)s")
CONDITION_PARAMETER = _("Condition %(code)s needs %(what)s.")
NOTE_REQUIRED = _("Say what changed and why (the note is kept with the version).")
ALREADY_SUBMITTED = _("This township has already submitted its shortlist for that award and year.")

TEMPLATE_FIELDS = ["rule_code", "village_points", "township_points", "county_points", "city_points",
                   "province_points", "one_star", "two_star", "three_star", "four_star", "five_star", "outstanding",
                   "veto_tier_cap", "shortlist_size"]


@transaction.atomic
def honour_template_set(*, actor, year: int, kinds: list[tuple[str, str]], **values) -> HonourTemplate:
    """Create or change the honour template of `year`: the values of TEMPLATE_FIELDS given and the full
    list of kinds (code, name), which replaces the previous list."""
    template = HonourTemplate.objects.select_for_update().filter(year=year).first()
    before = snapshot(template) if template else None
    template = template or HonourTemplate(year=year)
    for name, value in values.items():
        if name not in TEMPLATE_FIELDS:
            raise DomainError(_("Unknown setting: %(name)s") % {"name": name})
        setattr(template, name, value)
    full_clean_or_raise(template)
    kinds = [(str(code).strip(), str(name).strip()) for code, name in kinds if str(code).strip()]
    if not kinds:
        raise DomainError(KINDS_REQUIRED, field_errors={"kinds": [KINDS_REQUIRED]})
    seen = set()
    for code, _name in kinds:
        if code in seen:
            raise DomainError(KIND_DUPLICATE % {"code": code}, field_errors={"kinds": [KIND_DUPLICATE % {"code": code}]})
        seen.add(code)
    template.save()
    template.kinds.all().delete()
    for position, (code, name) in enumerate(kinds):
        kind = HonourKind(template=template, code=code, name=name or code, sort_order=position)
        full_clean_or_raise(kind)
        kind.save()
    audit_record(actor=actor, action="honour_template.set", instance=template, before=before,
                 after={**snapshot(template), "kinds": kinds})
    return template


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _condition(item: dict, position: int) -> StarCondition:
    code = item.get("code", "")
    if code not in Condition.values:
        message = CONDITION_UNKNOWN % {"code": code}
        raise DomainError(message, field_errors={"conditions": [message]})

    def need(what):
        message = CONDITION_PARAMETER % {"code": code, "what": what}
        return DomainError(message, field_errors={"conditions": [message]})

    condition = StarCondition(group=int(item.get("group") or 1), code=code, sort_order=position,
                              kinds=[str(k).strip() for k in item.get("kinds") or [] if str(k).strip()],
                              min_level=item.get("min_level") or "")
    if code == Condition.HONOURS:
        condition.min_count = int(item.get("min_count") or 1)
        if condition.min_level and condition.min_level not in LEVEL_ORDER:
            raise need(_("a known level"))
    elif code == Condition.TIER:
        if item.get("min_tier") in (None, "") or int(item["min_tier"]) not in Tier.values:
            raise need(_("a tier"))
        condition.min_tier = int(item["min_tier"])
    elif code == Condition.RANK_TOP:
        share = _decimal(item.get("top_percent"))
        if share is None or not Decimal("0") < share <= Decimal("100"):
            raise need(_("a share between 0 and 100"))
        condition.top_percent = share
    return condition


@transaction.atomic
def star_rule_version_create(*, actor, year: int, conditions: list[dict], note: str) -> StarRuleVersion:
    """A new version of the Party-member Star rule for `year` (the latest version is the year's rule).

    `conditions`: dicts with `code` (a `Condition`), `group` (default 1; groups are ORed, conditions
    in a group ANDed) and the code's parameters: `min_count`, `kinds`, `min_level` (honours),
    `min_tier` (tier), `top_percent` (rank_top)."""
    note = (note or "").strip()
    if not note:
        raise DomainError(NOTE_REQUIRED, field_errors={"note": [NOTE_REQUIRED]})
    if not conditions:
        raise DomainError(CONDITIONS_REQUIRED, field_errors={"conditions": [CONDITIONS_REQUIRED]})
    built = [_condition(item, position) for position, item in enumerate(conditions)]
    # Serialise versions of one year: the template row of the year is not required, so lock by year.
    StarRuleVersion.objects.select_for_update().filter(year=year).exists()
    number = (StarRuleVersion.objects.filter(year=year).aggregate(n=Max("version"))["n"] or 0) + 1
    version = StarRuleVersion(year=year, version=number, note=note, created_at=clock.now(),
                              created_by_id=getattr(actor, "pk", None))
    full_clean_or_raise(version)
    version.save()
    for condition in built:
        condition.rule_version = version
        full_clean_or_raise(condition)
    StarCondition.objects.bulk_create(built)
    audit_record(actor=actor, action="star_rule.version_create", instance=version,
                 after={**snapshot(version), "conditions": [snapshot(c, fields=["group", "code", "min_count", "kinds",
                                                                                 "min_level", "min_tier"]) for c in built]})
    return version


@transaction.atomic
def shortlist_receive(*, actor, township, kind: str, year: int, local_id: int,
                      candidates: list[dict]) -> SubmittedShortlist:
    """Store the township's submitted shortlist in the public schema (once; locked afterwards)."""
    if SubmittedShortlist.objects.filter(township=township, kind=kind, year=year).exists():
        raise Conflict(ALREADY_SUBMITTED)
    copy = SubmittedShortlist(township=township, kind=kind, year=year, local_id=local_id, submitted_at=clock.now(),
                              submitted_by_id=getattr(actor, "pk", None))
    full_clean_or_raise(copy)
    copy.save()
    rows = [SubmittedCandidate(shortlist=copy, position=position, **candidate)
            for position, candidate in enumerate(candidates, start=1)]
    SubmittedCandidate.objects.bulk_create(rows)
    audit_record(actor=actor, action="shortlist.received", instance=copy,
                 after={**snapshot(copy), "candidates": [c["member_id"] for c in candidates]})
    return copy


# --- County reward rollups (issue 12, item 7) -------------------------------------------------------

POLICY_FIELDS = ["budget", "special_fund", "per_star", "per_tier_level", "per_candidate", "per_branch"]
ROLLUP_NOT_COLLECTED = _("Only a collected rollup can be approved.")
ROLLUP_APPROVED = _("This rollup is approved and locked.")
POLICY_LOCKED = _("The rollup of this year is approved: its policy can no longer change.")


@transaction.atomic
def reward_policy_set(*, actor, year: int, **values) -> RewardPolicy:
    """Create or change the county's reward policy of `year` (values of POLICY_FIELDS, Decimal).
    Refused once a rollup of the year is approved."""
    if RollupRun.objects.filter(year=year, state=RollupRun.State.APPROVED).exists():
        raise Conflict(POLICY_LOCKED)
    policy = RewardPolicy.objects.select_for_update().filter(year=year).first()
    before = snapshot(policy) if policy else None
    policy = policy or RewardPolicy(year=year)
    for name, value in values.items():
        if name not in POLICY_FIELDS:
            raise DomainError(_("Unknown setting: %(name)s") % {"name": name})
        amount = _decimal(value)
        if amount is None or amount < 0:
            message = _("Enter an amount of zero or more.")
            raise DomainError(message, field_errors={name: [message]})
        setattr(policy, name, amount)
    full_clean_or_raise(policy)
    policy.save()
    audit_record(actor=actor, action="reward_policy.set", instance=policy, before=before, after=snapshot(policy))
    return policy


def _policy_values(policy: RewardPolicy | None) -> dict:
    policy = policy or RewardPolicy(year=0)
    return {name: str(getattr(policy, name)) for name in POLICY_FIELDS}


@transaction.atomic
def rollup_run(*, actor, year: int, kind: str) -> RollupRun:
    """The county rollup of (`year`, `kind`), once: reads every ready township (two statements, or
    township by township when one fails), writes the county lists, ranks the townships and
    allocates the budget and the special fund by the year's policy. A second call for the same
    period returns the existing run unchanged (the unique period and a row lock make concurrent
    calls wait for the first and then find it done)."""
    from tenants.townships.selectors import township_list_ready

    if kind not in ShortlistKind.values:
        raise DomainError(_("Unknown period: %(kind)s") % {"kind": kind})
    run, _created = RollupRun.objects.get_or_create(year=year, kind=kind, defaults={"started_at": clock.now()})
    run = RollupRun.objects.select_for_update().get(pk=run.pk)
    if run.state != RollupRun.State.RUNNING:
        return run

    policy = RewardPolicy.objects.filter(year=year).first()
    values = _policy_values(policy)
    townships = list(township_list_ready().order_by("code"))
    got = rollup.collect(townships=townships, year=year, kind=kind)

    rows = []
    for township in townships:
        if township.pk in got.errors:
            rows.append(RollupTownship(run=run, township=township, ok=False, error=got.errors[township.pk]))
            continue
        figures = got.figures.get(township.pk, {})
        tiers = rollup.tier_counts(figures)
        row = RollupTownship(run=run, township=township, members=int(figures.get("members") or 0), tiers=tiers,
                             tier_levels=sum(level * n for level, n in enumerate(tiers)),
                             stars=int(figures.get("stars") or 0), candidates=int(figures.get("candidates") or 0),
                             branches=int(figures.get("branches") or 0),
                             fair_scorers=int(figures.get("fair_scorers") or 0), barred=int(figures.get("barred") or 0))
        row.weight = (Decimal(values["per_star"]) * row.stars + Decimal(values["per_tier_level"]) * row.tier_levels
                      + Decimal(values["per_candidate"]) * row.candidates + Decimal(values["per_branch"]) * row.branches)
        rows.append(row)

    ok = [row for row in rows if row.ok]
    ranked = sorted(ok, key=lambda r: (-r.weight, -r.stars, -r.tier_levels, r.township.code))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    shares = rollup.allocate(Decimal(values["budget"]), {row.township_id: row.weight for row in ok})
    special = rollup.allocate(Decimal(values["special_fund"]), {row.township_id: Decimal(row.fair_scorers) for row in ok})
    for row in ok:
        row.share, row.special_share = shares[row.township_id], special[row.township_id]
    RollupTownship.objects.bulk_create(rows)
    RollupCandidate.objects.bulk_create([
        RollupCandidate(run=run, township_id=township_id, member_id=item["member_id"],
                        member_name=item["member_name"][:100], branch_name=item["branch_name"][:200],
                        tier=item["tier"], eligible=item["eligible"], shortlisted=item["shortlisted"])
        for township_id, items in got.candidates.items() for item in items])

    run.state = RollupRun.State.COLLECTED
    run.finished_at = clock.now()
    run.statements, run.fallback, run.policy = got.statements, got.fallback, values
    run.budget = sum((row.share for row in ok), Decimal("0"))
    run.special_fund = sum((row.special_share for row in ok), Decimal("0"))
    run.save()
    audit_record(actor=actor, action="rollup.run", instance=run,
                 after={**snapshot(run, fields=["year", "kind", "state", "statements", "fallback"]),
                        "failed": sorted(got.errors)})
    return run


@transaction.atomic
def rollup_approve(*, actor, run: RollupRun, note: str = "") -> RollupRun:
    """The county approves a collected rollup; it is locked afterwards."""
    run = RollupRun.objects.select_for_update().get(pk=run.pk)
    if run.state == RollupRun.State.APPROVED:
        raise Conflict(ROLLUP_APPROVED)
    if run.state != RollupRun.State.COLLECTED:
        raise Conflict(ROLLUP_NOT_COLLECTED)
    before = snapshot(run, fields=["state"])
    run.state, run.approved_at = RollupRun.State.APPROVED, clock.now()
    run.approved_by_id, run.approval_note = getattr(actor, "pk", None), (note or "").strip()
    full_clean_or_raise(run)
    run.save()
    audit_record(actor=actor, action="rollup.approve", instance=run, before=before,
                 after={**snapshot(run, fields=["state", "approval_note"]), "budget": str(run.budget),
                        "special_fund": str(run.special_fund)})
    return run


def rollup_due(*, today) -> list[tuple[int, str]]:
    """The periods whose rollup is due on `today`: for each year with a policy, the 七一 awards
    from July 1 and the year-end awards from December 1 (each once)."""
    import datetime as dt

    due = []
    for year in RewardPolicy.objects.values_list("year", flat=True):
        for kind, start in ((ShortlistKind.JULY_FIRST, dt.date(year, 7, 1)), (ShortlistKind.YEAR_END, dt.date(year, 12, 1))):
            if today >= start and not RollupRun.objects.filter(year=year, kind=kind).exclude(
                    state=RollupRun.State.RUNNING).exists():
                due.append((year, str(kind)))
    return due
