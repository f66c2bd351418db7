"""Points activity in every branch of the demo county, written in bulk (part of the scoring step).

`scoring.demo` plays the demo branch's year (the branch of `secretary1`) entry by entry through
the services. Every other branch of every demo township gets a year of its own here, from the
same planner (`scoring.demo.plan_year`, seeded per township, year and branch, with a branch's
own level of activity), so every page (rankings, closes, publications, signals, the county
dashboard) shows figures from all branches and villages:

- who: per township, the people on record for the branches (`<code>_clerk<n>` and
  `<code>_team<n>` for every three villages, `<code>_liaison<n>` for every five, a secretary
  `<code>_sec<nn>` per village and per branch outside the villages). They get a role with its
  scope through the services and a generated password nobody knows (they are not demo logins).
- what: entries with a photo of the activity (one file per activity, shared by its entries, as a
  clerk photographs a theme day once), approved at the three levels and posted, a few returned at
  a level, late entries approved by the office and, in the running month, one waiting for it;
  the most recent entries wait in the review queues. Branches outside the villages (organ,
  retirees, enterprises) have no work team or liaison leader, so their entries (of the last six
  weeks) pass the branch level and wait at the work-team level, as they would in the product.

Written as the services would have left the rows, with the same checks made by construction
(items in force and applicable, points in range, caps, evidence, late window) and the same
audit events, one bulk INSERT per table and day. Postings go through the real posting service
(`scoring.ledger.posting.ledger_post`, one call per day and reviewer), so the hash chain, the
booking into open months and the members' totals are the ledger's own. No notification is sent
for these past records (nobody was waiting for them).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from common import clock
from scoring.ledger.chain import month_index

# Villages per clerk (and work team), per liaison leader.
CLERK_VILLAGES = 3
LIAISON_VILLAGES = 5
# Branches outside the villages: only the last weeks' entries (they stop at the work-team level).
UNREVIEWED_DAYS = 42
FAMILY = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "建国志强秀英丽娟海涛春梅文华德明玉兰红霞永刚桂芳振东晓燕"


@dataclass
class BranchPeople:
    clerk: object  # who records (the office for branches outside the villages)
    secretary: object
    work_team: object | None = None
    liaison: object | None = None

    def user(self, key: str):
        return {"clerk": self.clerk, "office": self.clerk, "secretary": self.secretary,
                "work_team": self.work_team, "liaison": self.liaison}[key]


@dataclass
class Batch:
    """One day's work in a township: what was recorded, approved late and reviewed that day."""

    when: dt.datetime
    creates: list = field(default_factory=list)  # (PlannedEntry, branch key)
    late: list = field(default_factory=list)
    reviews: list = field(default_factory=list)  # (PlannedEntry, review tuple)


def _name(rng: random.Random) -> str:
    return rng.choice(FAMILY) + rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2])


def branch_people(*, township, office, skip_branch_id: int | None, count: Callable[[str, int], None]) -> dict:
    """branch id → BranchPeople for every branch but `skip_branch_id`; creates the people when missing.

    Runs in the public schema's context for the users (their events are the county's), reading
    the township's villages and branches in its own."""
    from django_tenants.utils import schema_context, tenant_context

    from accounts.models import Role, RoleAssignment, User
    from accounts.services import initial_password_generate, role_assign, user_create
    from tenants.organisation.models import Branch, Village

    with tenant_context(township):
        villages = list(Village.objects.order_by("code").values_list("pk", flat=True))
        branches = list(Branch.objects.order_by("pk").values("pk", "village_id", "parent_id", "kind"))
    rng = random.Random(f"seed-demo-people:{township.code}")  # noqa: S311 - demo names

    def person(username: str, role: str, **scope):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(actor=None, username=username, password=initial_password_generate(),
                               full_name=_name(rng), generated=True)
            count("users", 1)
        else:
            _name(rng)  # same names whatever exists already
        if not RoleAssignment.objects.filter(user=user, role=role, township=township).exists():
            role_assign(actor=office, user=user, role=role, township=township, **scope)
            count("roles", 1)
        return user

    code = township.code
    people: dict[int, BranchPeople] = {}
    with schema_context("public"):
        clerks, teams, liaisons = {}, {}, {}
        for i, village in enumerate(villages):
            group, wide = i // CLERK_VILLAGES, i // LIAISON_VILLAGES
            ids3 = villages[group * CLERK_VILLAGES:(group + 1) * CLERK_VILLAGES]
            ids5 = villages[wide * LIAISON_VILLAGES:(wide + 1) * LIAISON_VILLAGES]
            clerks[village] = person(f"{code}_clerk{group + 1}", Role.CLERK, village_ids=ids3)
            teams[village] = person(f"{code}_team{group + 1}", Role.WORK_TEAM, village_ids=ids3)
            liaisons[village] = person(f"{code}_liaison{wide + 1}", Role.LIAISON_LEADER, village_ids=ids5)
        top = [b for b in branches if b["parent_id"] is None]  # a general branch's secretary decides its branches
        secretaries = {}
        for number, branch in enumerate(top, start=1):
            if branch["pk"] == skip_branch_id:
                continue
            secretaries[branch["pk"]] = person(f"{code}_sec{number:02d}", Role.BRANCH_SECRETARY,
                                               branch_id=branch["pk"])
        for branch in branches:
            if branch["pk"] == skip_branch_id or branch["kind"] == Branch.Kind.VILLAGE_GENERAL:
                continue
            secretary = secretaries[branch["parent_id"] or branch["pk"]]
            village = branch["village_id"]
            if village is None:
                people[branch["pk"]] = BranchPeople(clerk=office, secretary=secretary)
            else:
                people[branch["pk"]] = BranchPeople(clerk=clerks[village], secretary=secretary,
                                                    work_team=teams[village], liaison=liaisons[village])
    return people


def township_plans(*, township, year: int, starts_on: dt.date, ends_on: dt.date, now: dt.datetime,
                   people: dict, hold: tuple[int, tuple[int, int]] | None = None) -> list[tuple]:
    """(branch id, Plan) for every branch in `people`, in the township's schema.

    `hold`: (branch id, (year, month)) whose entries are left out (the favouritism scenario
    records that branch's month itself)."""
    from scoring.demo import demo_branch_members, plan_year
    from tenants.organisation.models import Branch

    zone = township.time_zone_info()
    today = clock.today(at=now, zone=zone)
    plans, village_branches = [], 0
    for branch in Branch.objects.filter(pk__in=people).order_by("pk"):
        members = demo_branch_members(branch_id=branch.pk)
        if not members:
            continue
        rng = random.Random(f"seed-demo-branch:{township.code}:{year}:{branch.name}")  # noqa: S311
        in_village = people[branch.pk].work_team is not None
        village_branches += in_village
        start = starts_on if in_village else max(starts_on, today - dt.timedelta(days=UNREVIEWED_DAYS))
        plan = plan_year(members=members, starts_on=start, now=now, zone=zone,
                         seed=f"seed-demo-scoring:{township.code}:{year}:{branch.name}", ends_on=ends_on,
                         intensity=round(rng.uniform(0.35, 0.9), 2),
                         late_waiting=in_village and village_branches % 2 == 1)  # every other village branch
        if hold and hold[0] == branch.pk:
            plan.entries = [e for e in plan.entries if (e.occurred_on.year, e.occurred_on.month) != hold[1]]
        if not in_village:  # nobody decides the work-team level for these branches: approved at the branch's
            for entry in plan.entries:
                entry.reviews = [review for review in entry.reviews[:1] if review[2] == "approve"]
        plans.append((branch.pk, plan))
    return plans


def day_batches(*, plans: list[tuple], zone, now: dt.datetime) -> list[Batch]:
    """Every planned action of `plans`, grouped by local day, each day's batch at its evening."""
    days: dict[dt.date, Batch] = {}

    def batch(moment: dt.datetime) -> Batch:
        day = clock.today(at=moment, zone=zone)
        if day not in days:
            days[day] = Batch(when=min(dt.datetime.combine(day, dt.time(20, 30), tzinfo=zone), now))
        return days[day]

    for branch_id, plan in plans:
        for entry in plan.entries:
            if entry.recorded_at > now:
                continue
            batch(entry.recorded_at).creates.append((entry, branch_id))
            if entry.late_approved_at is not None and entry.late_approved_at <= now:
                batch(entry.late_approved_at).late.append(entry)
            for review in entry.reviews:
                if review[1] <= now:
                    batch(review[1]).reviews.append((entry, review))
    return [days[day] for day in sorted(days)]


class Writer:
    """Applies day batches in one township's schema, inside the caller's transaction."""

    def __init__(self, *, township, year: int, people: dict, office, label: str):
        from scoring.catalogue.models import Rule, ScoringYear
        from tenants.organisation.models import Member

        self.township, self.people, self.office, self.label = township, people, office, label
        scoring_year = ScoringYear.objects.get(year=year)
        chosen = {str(level) for level in scoring_year.review_levels or []}
        from scoring.choices import REVIEW_LEVEL_ORDER

        self.levels = [level.value for level in REVIEW_LEVEL_ORDER if level.value in chosen]
        self.weights = {level: str(Decimal(str((scoring_year.review_weights or {}).get(level, "0"))))
                        for level in self.levels}
        self.window = scoring_year.late_window_days
        self.rules = {r.code: r for r in Rule.objects.filter(scoring_year=scoring_year).select_related("scoring_year")}
        self.members = {m.pk: m for m in Member.objects.filter(branch_id__in=people).select_related("branch")}
        self.entries: dict[int, object] = {}  # id(PlannedEntry) → Entry
        self.branch_of: dict[int, int] = {}
        self.files: dict[tuple, tuple[str, str, int]] = {}
        self.made = defaultdict(int)

    # -- helpers --------------------------------------------------------------------------------
    def _photo(self, planned, branch_id: int) -> tuple[str, str, int]:
        """The activity's photo (one per branch, item and day), stored once."""
        from scoring.demo import demo_photo

        key = (branch_id, planned.rule_code, planned.occurred_on)
        if key not in self.files:
            seed = int(hashlib.sha256(f"{self.label}:{key}".encode()).hexdigest()[:8], 16)
            content = demo_photo(seed=seed, label=f"{self.label}-{branch_id}")
            name = default_storage.save(f"evidence/{planned.occurred_on:%Y/%m}/IMG_{planned.occurred_on:%Y%m%d}_"
                                        f"{branch_id}_{planned.rule_code}.png", ContentFile(content))
            self.files[key] = (name, hashlib.sha256(content).hexdigest(), len(content))
            self.made["evidence files"] += 1
        return self.files[key]

    @staticmethod
    def _event(actor, action: str, entry, after: dict, before: dict | None = None):
        from audit.models import AuditEvent

        return AuditEvent(actor_id=actor.pk, actor_label=actor.get_username()[:150], action=action,
                          object_type=entry._meta.label_lower, object_id=str(entry.pk),
                          object_repr=str(entry)[:200], before=before, after=after)

    # -- one day ----------------------------------------------------------------------------------
    def apply(self, batch: Batch) -> None:
        from audit.models import AuditEvent
        from audit.services import snapshot
        from scoring.demo import LATE_REASON
        from scoring.ledger.models import Entry, Evidence, LedgerHead, Review
        from scoring.ledger.posting import Posting, ledger_post
        from scoring.ledger.services import weighted_points

        now = clock.now()
        today = clock.today(at=now, zone=self.township.time_zone_info())
        head = LedgerHead.objects.filter(pk=1).first()
        sealed_through = head.sealed_through if head is not None else -1
        events = []
        new = []
        for planned, branch_id in batch.creates:
            is_late = ((today - planned.occurred_on).days > self.window
                       or month_index(planned.occurred_on.year, planned.occurred_on.month) <= sealed_through)
            entry = Entry(member=self.members[planned.member_id], rule=self.rules[planned.rule_code],
                          occurred_on=planned.occurred_on, points=planned.points, note=planned.note,
                          status=Entry.Status.AWAITING_LATE_APPROVAL if is_late else Entry.Status.IN_REVIEW,
                          is_late=is_late, late_reason=(planned.late_reason or LATE_REASON) if is_late else "",
                          entered_by_id=self.people[branch_id].user(planned.enterer).pk,
                          lag_days=(today - planned.occurred_on).days, review_levels=self.levels,
                          review_weights=self.weights, current_level="" if is_late else self.levels[0])
            self.entries[id(planned)] = entry
            self.branch_of[id(planned)] = branch_id
            new.append((planned, branch_id, entry))
        Entry.objects.bulk_create([entry for _p, _b, entry in new])
        evidence = []
        for planned, branch_id, entry in new:
            hashes = []
            if planned.photo:
                name, sha, size = self._photo(planned, branch_id)
                evidence.append(Evidence(entry=entry, file=name, original_name=name.rsplit("/", 1)[-1],
                                         content_type="image/png", size=size, sha256=sha,
                                         uploaded_by_id=entry.entered_by_id))
                hashes.append(sha)
            entry.evidence_hashes = hashes
            events.append(self._event(self.people[branch_id].user(planned.enterer), "entry.create", entry,
                                      {**snapshot(entry), "evidence": hashes}))
        Evidence.objects.bulk_create(evidence)
        self.made["entries"] += len(new)

        changed = []
        for planned in batch.late:
            entry = self.entries[id(planned)]
            before = snapshot(entry)
            entry.late_decided_by_id, entry.late_decided_at = self.office.pk, now
            entry.late_decision_note = "经核实属实，同意补录"
            entry.status, entry.current_level = Entry.Status.IN_REVIEW, self.levels[0]
            changed.append(entry)
            events.append(self._event(self.office, "entry.late_approve", entry, snapshot(entry), before))
            self.made["late approvals"] += 1

        reviews, postings = [], defaultdict(list)
        for planned, (level, _when, decision, score, reason) in batch.reviews:
            entry = self.entries[id(planned)]
            reviewer = self.people[self.branch_of[id(planned)]].user(
                {"branch": "secretary", "work_team": "work_team", "liaison": "liaison"}[level])
            given = (planned.points if score is None else score) if decision == "approve" else None
            before = snapshot(entry)
            reviews.append(Review(entry=entry, level=level, reviewer_id=reviewer.pk, decision=decision, score=given,
                                  reason=reason))
            entry.scores = {**getattr(entry, "scores", {}), level: given}
            events.append(self._event(reviewer, f"entry.review_{decision}", entry, {
                "level": level, "decision": decision, "score": str(given) if given is not None else None,
                "reason": reason}, before))
            if decision == "reject":
                entry.status, entry.current_level, entry.decided_at = Entry.Status.REJECTED, "", now
            elif self.levels.index(level) + 1 < len(self.levels):
                entry.current_level = self.levels[self.levels.index(level) + 1]
            else:
                postings[reviewer].append(entry)
            changed.append(entry)
            self.made["reviews"] += 1
        Review.objects.bulk_create(reviews)
        for reviewer, entries in postings.items():
            finals = [weighted_points(entry, entry.scores) for entry in entries]
            rows = ledger_post(postings=[Posting(
                kind="adjustment", member_id=entry.member_id, points=final, occurred_on=entry.occurred_on,
                scoring_year=entry.rule.scoring_year.year, rule_id=entry.rule_id, entry_id=entry.pk, note=entry.note,
                evidence_hashes=tuple(entry.evidence_hashes)) for entry, final in zip(entries, finals, strict=True)],
                actor_id=reviewer.pk, now=now)
            for entry, final, row in zip(entries, finals, rows, strict=True):
                before = snapshot(entry)
                entry.status, entry.final_points, entry.current_level, entry.decided_at = (
                    Entry.Status.POSTED, final, "", now)
                events.append(self._event(reviewer, "entry.post", entry,
                                          {**snapshot(entry), "ledger_seq": row.seq, "ledger_hash": row.hash}, before))
            self.made["posted"] += len(entries)
        if changed:
            Entry.objects.bulk_update(list({id(e): e for e in changed}.values()), [
                "status", "current_level", "final_points", "decided_at", "late_decided_by_id", "late_decided_at",
                "late_decision_note"])
        AuditEvent.objects.bulk_create(events)


def township_activity(*, township, office, year: int, plans: list[tuple], people: dict, history: clock.History,
                      closes: list[tuple[int, int]] | None = None, label: str) -> dict:
    """Apply the plans' day batches in order, closing `closes` on the 6th of the next month (at
    10:00, or now) between them. Runs in the township's schema with `history` running."""
    from scoring.ledger.chain import index_month, month_index
    from scoring.periods.services import month_close

    zone = township.time_zone_info()
    writer = Writer(township=township, year=year, people=people, office=office, label=label)
    steps = [(batch.when, 0, batch) for batch in day_batches(plans=plans, zone=zone, now=history.real_now)]
    for number, (y, m) in enumerate(closes or []):
        ny, nm = index_month(month_index(y, m) + 1)
        at = min(dt.datetime.combine(dt.date(ny, nm, 6), dt.time(10, 0), tzinfo=zone), history.real_now)
        steps.append((at, 1 + number, (y, m)))
    for when, _order, step in sorted(steps, key=lambda s: (s[0], s[1])):
        history.set(when)
        if isinstance(step, Batch):
            writer.apply(step)
        else:
            month_close(year=step[0], month=step[1], actor=office, now=history.now())
            writer.made["month closes"] += 1
    assert connection.schema_name == township.schema_name
    return dict(writer.made)
