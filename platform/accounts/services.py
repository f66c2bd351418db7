"""Accounts and role assignments. Every write is audited in the public schema."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import tenant_context

from accounts.models import (
    BRANCH_SCOPED_ROLES,
    MEMBER_SCOPED_ROLES,
    VILLAGE_SCOPED_ROLES,
    Role,
    RoleAssignment,
    User,
)
from accounts.selectors import member_ids_with_account
from audit.services import audit_record, snapshot
from common import clock
from common.announce import announce
from common.errors import DomainError, NotFound, full_clean_or_raise

USERNAME_TAKEN = _("This username is already taken.")
LOCKOUT_NOT_FOUND = _("This lockout has already been lifted or has expired.")
ROLE_NEEDS_VILLAGES = _("This role needs at least one village.")
ROLE_NEEDS_BRANCH = _("This role needs a branch.")
ROLE_NEEDS_MEMBER = _("This role needs the member's record.")
ROLE_UNKNOWN_SCOPE = _("The chosen village, branch or member does not exist in this township.")
ROLE_NEEDS_TOWNSHIP = _("This role belongs to a township.")


@transaction.atomic
def user_create(
    *, actor, username: str, password: str, full_name: str = "", phone: str = "", email: str = "",
    language: str = "zh-hans", initial_password: bool = True, generated: bool = False,
) -> User:
    """A new account. Its password is an initial one the person must change at first login,
    unless `initial_password=False` (the demo's well-known accounts).

    `generated=True`: the product drew the password (`initial_password_generate`, about 71 bits
    of entropy). Key stretching exists for passwords people choose; for these it is reduced
    (`GENERATED_PASSWORD_ITERATIONS`), so a branch's accounts are made in seconds, not minutes,
    and Django rehashes at full strength when the person logs in and chooses their own."""
    username = (username or "").strip()
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(USERNAME_TAKEN, field_errors={"username": [USERNAME_TAKEN]})
    user = User(username=username, full_name=full_name.strip(), phone=phone.strip(), email=email.strip(),
                language=language, must_change_password=initial_password)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field_errors={"password": exc.messages}) from exc
    if generated:
        _set_generated_password(user, password)
    else:
        user.set_password(password)
    full_clean_or_raise(user)
    user.save()
    audit_record(actor=actor, action="user.create", instance=user,
                 after=snapshot(user, fields=["username", "full_name", "phone", "email", "language"]))
    announce(event="account.created", recipients=[user], context={"username": user.username}, actor=actor)
    return user


GENERATED_PASSWORD_ITERATIONS = 50_000
# No 0/O, 1/l/I: read from a printed sheet and typed on a phone.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 - an alphabet


def initial_password_generate(length: int = 12) -> str:
    """A random initial password with letters and digits (passes the password validators)."""
    while True:
        password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _set_generated_password(user: User, password: str) -> None:
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher

    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        user.password = hasher.encode(password, hasher.salt(), iterations=GENERATED_PASSWORD_ITERATIONS)
    else:
        user.set_password(password)


PASSWORD_OLD_WRONG = _("Your current password is not correct.")
PASSWORD_SAME = _("Choose a password different from the current one.")


@transaction.atomic
def password_change(*, user, old_password: str, new_password: str) -> User:
    """The person changes their own password (checked by the password validators); clears the
    must-change flag; audited (without the passwords)."""
    if not user.check_password(old_password or ""):
        raise DomainError(PASSWORD_OLD_WRONG, field_errors={"old_password": [PASSWORD_OLD_WRONG]})
    if old_password == new_password:
        raise DomainError(PASSWORD_SAME, field_errors={"new_password": [PASSWORD_SAME]})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field_errors={"new_password": exc.messages}) from exc
    user.set_password(new_password)
    was_forced = user.must_change_password
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=user, action="user.password_change", instance=user, after={"was_initial": was_forced})
    return user


def _check_scope(*, township, role: str, village_ids: list[int], branch_id: int | None, member_id: int | None):
    from tenants.organisation.models import Branch, Member, Village

    if role in VILLAGE_SCOPED_ROLES and not village_ids:
        raise DomainError(ROLE_NEEDS_VILLAGES, field_errors={"village_ids": [ROLE_NEEDS_VILLAGES]})
    # (No per-clerk village cap here: the report's rule is 1 to 3 clerks per village, enforced by
    # staffing.clerks, whose placements set the clerk role's villages.)
    if role in BRANCH_SCOPED_ROLES and not branch_id:
        raise DomainError(ROLE_NEEDS_BRANCH, field_errors={"branch_id": [ROLE_NEEDS_BRANCH]})
    if role in MEMBER_SCOPED_ROLES and not member_id:
        raise DomainError(ROLE_NEEDS_MEMBER, field_errors={"member_id": [ROLE_NEEDS_MEMBER]})
    with tenant_context(township):
        ok = (
            Village.objects.filter(pk__in=village_ids).count() == len(set(village_ids))
            and (not branch_id or Branch.objects.filter(pk=branch_id).exists())
            and (not member_id or Member.objects.filter(pk=member_id).exists())
        )
    if not ok:
        raise DomainError(ROLE_UNKNOWN_SCOPE)


@transaction.atomic
def role_assign(
    *, actor, user: User, role: str, township=None, village_ids: list[int] | None = None,
    branch_id: int | None = None, member_id: int | None = None,
) -> RoleAssignment:
    """Give `user` a role (replacing the scope of the same role in the same township)."""
    village_ids = sorted(set(village_ids or []))
    if role == Role.COUNTY_ADMIN:
        township = None
    elif township is None or township.is_county:
        raise DomainError(ROLE_NEEDS_TOWNSHIP)
    else:
        _check_scope(township=township, role=role, village_ids=village_ids, branch_id=branch_id, member_id=member_id)
    keep = {
        "village_ids": village_ids if role in VILLAGE_SCOPED_ROLES else [],
        "branch_id": branch_id if role in BRANCH_SCOPED_ROLES else None,
        "member_id": member_id if role in MEMBER_SCOPED_ROLES else None,
    }
    existing = RoleAssignment.objects.select_for_update().filter(user=user, role=role, township=township).first()
    before = snapshot(existing) if existing else None
    if existing:
        for key, value in keep.items():
            setattr(existing, key, value)
        assignment = existing
    else:
        assignment = RoleAssignment(user=user, role=role, township=township, **keep)
    full_clean_or_raise(assignment, validate_constraints=False)
    assignment.save()
    audit_record(actor=actor, action="role.assign", instance=assignment, before=before, after=snapshot(assignment))
    return assignment


USER_NOT_FOUND = _("No user with this username. Give a password to create one.")
USER_EXISTS_NO_PASSWORD = _("This user already exists: give no password to give them the role.")


@transaction.atomic
def role_give(
    *, actor, township, username: str, role: str, password: str = "", full_name: str = "", phone: str = "",
    village_ids: list[int] | None = None, branch_id: int | None = None, member_id: int | None = None,
) -> RoleAssignment:
    """The people page's "give a role": to an existing user (no password), or to a new user created
    at once with an initial password. One transaction: a refused role creates no user."""
    username = (username or "").strip()
    existing = User.objects.filter(username__iexact=username).first()
    if password:
        if existing is not None:
            raise DomainError(USER_EXISTS_NO_PASSWORD, field_errors={"password": [USER_EXISTS_NO_PASSWORD]})
        user = user_create(actor=actor, username=username, password=password, full_name=full_name, phone=phone)
    elif existing is None:
        raise DomainError(USER_NOT_FOUND, code="not_found", field_errors={"username": [USER_NOT_FOUND]})
    else:
        user = existing
    return role_assign(actor=actor, user=user, role=role, township=township, village_ids=village_ids,
                       branch_id=branch_id, member_id=member_id)


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    before = snapshot(assignment)
    pk = assignment.pk
    assignment.delete()
    audit_record(actor=actor, action="role.revoke", object_type="accounts.roleassignment", object_id=pk,
                 object_repr=str(before.get("role")), before=before)


# --- login lockouts (django-axes records) -----------------------------------------------------------
def login_lockouts():
    """Account-and-address pairs locked now (failures at the limit within the cool-off)."""
    from axes.models import AccessAttempt

    since = clock.now() - settings.AXES_COOLOFF_TIME
    return (AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
                                         attempt_time__gte=since)
            .order_by("-attempt_time"))


@transaction.atomic
def login_unlock(*, actor, attempt_id: int) -> None:
    """The county admin lifts one lockout (and the account's many-addresses guard); audited."""
    from axes.models import AccessAttempt

    from accounts.backends import account_failures_forget

    attempt = AccessAttempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        raise NotFound(LOCKOUT_NOT_FOUND)
    before = {"username": attempt.username, "ip_address": attempt.ip_address,
              "failures": attempt.failures_since_start}
    AccessAttempt.objects.filter(username=attempt.username, ip_address=attempt.ip_address).delete()
    account_failures_forget(attempt.username or "")
    audit_record(actor=actor, action="login.unlock", object_type="accounts.login", object_id=attempt.username or "",
                 object_repr=f"{attempt.username} @ {attempt.ip_address}", before=before, after=None)


# --- API tokens -------------------------------------------------------------------------------------
TOKEN_NOT_IN_TOWNSHIP = _("This person holds no role in this township.")


def token_expired(token) -> bool:
    return token.created < clock.now() - dt.timedelta(days=settings.API_TOKEN_TTL_DAYS)


@transaction.atomic
def token_issue(*, user):
    """The user's API token: the current one while it is valid, else a new one."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    return token


@transaction.atomic
def token_revoke(*, actor, user, township=None) -> bool:
    """Revoke `user`'s API token: by the user, or (with `township`) by that township's office for
    someone holding a role there (never a county admin). True when a token was revoked."""
    from rest_framework.authtoken.models import Token

    if township is not None:
        roles = RoleAssignment.objects.filter(user=user)
        if not roles.filter(township=township).exists() or roles.filter(role=Role.COUNTY_ADMIN).exists():
            raise DomainError(TOKEN_NOT_IN_TOWNSHIP)
    deleted, _ = Token.objects.filter(user=user).delete()
    audit_record(actor=actor, action="token.revoke", instance=user,
                 after={"township": getattr(township, "code", None), "revoked": bool(deleted)})
    return bool(deleted)


LANGUAGE_NOT_OFFERED = _("Choose one of the offered languages.")


@transaction.atomic
def user_language_set(*, user, language: str) -> User:
    """Remember the person's language choice (made on the login page or in the menu), so it follows
    them to every device and into e-mails and SMS; audited when it changes."""
    if language not in {code for code, _label in settings.LANGUAGES}:
        raise DomainError(LANGUAGE_NOT_OFFERED, field_errors={"language": [LANGUAGE_NOT_OFFERED]})
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.language == language:
        return user
    before = user.language
    user.language = language
    full_clean_or_raise(user, exclude=["password"])
    user.save(update_fields=["language"])
    audit_record(actor=user, action="user.language_set", instance=user, before={"language": before},
                 after={"language": language})
    return user


# --- member accounts in bulk ------------------------------------------------------------------------
BULK_NEEDS_SELECTION = _("Choose a branch or members.")
BULK_UNKNOWN_MEMBERS = _("Some chosen members do not exist in this township or are not active.")


@dataclass(frozen=True)
class InitialCredential:
    """One new member account, to be printed once: the password is never stored in clear."""

    member_id: int
    member_name: str
    branch_name: str
    username: str
    password: str


@dataclass(frozen=True)
class MemberAccountsResult:
    created: list[InitialCredential]
    already: int


def member_username(*, township, member_id: int) -> str:
    """The username rule for member accounts: `<township code>-m<member id>` (unique in the
    county, as member ids are per township), with `-2`, `-3` ... if someone already took it."""
    base = f"{township.code}-m{member_id}"
    taken = set(User.objects.filter(username__istartswith=base).values_list("username", flat=True))
    taken = {name.lower() for name in taken}
    if base.lower() not in taken:
        return base
    n = 2
    while f"{base}-{n}".lower() in taken:
        n += 1
    return f"{base}-{n}"


@transaction.atomic
def member_accounts_create(
    *, actor, township, branch_id: int | None = None, member_ids: list[int] | None = None,
) -> MemberAccountsResult:
    """Member-role accounts for the chosen members (or every active member of the branch) who
    have none in this township: username by `member_username`, a random initial password the
    person must change at first login, the member role scoped to their record. All or nothing;
    members who already have an account are left alone (running it again creates nothing).
    Audited per account and as one batch. Returns the credentials to print once."""
    from tenants.organisation.models import Member

    if not branch_id and not member_ids:
        raise DomainError(BULK_NEEDS_SELECTION)
    with connection.cursor() as cursor:  # one batch per township at a time: no duplicate accounts
        cursor.execute("SELECT pg_advisory_xact_lock(7303, %s)", [township.pk])
    with tenant_context(township):
        members = Member.objects.filter(status=Member.Status.ACTIVE).select_related("branch")
        if branch_id:
            members = members.filter(branch_id=branch_id)
        if member_ids:
            members = members.filter(pk__in=set(member_ids))
        members = list(members.order_by("branch__name", "name", "pk"))
    if member_ids and len(members) != len(set(member_ids)):
        raise DomainError(BULK_UNKNOWN_MEMBERS)
    have = member_ids_with_account(township=township, member_ids=[m.pk for m in members])
    created = []
    for member in members:
        if member.pk in have:
            continue
        password = initial_password_generate()
        user = user_create(actor=actor, username=member_username(township=township, member_id=member.pk),
                           password=password, full_name=member.name, phone=member.phone, generated=True)
        role_assign(actor=actor, user=user, role=Role.MEMBER, township=township, member_id=member.pk)
        created.append(InitialCredential(member_id=member.pk, member_name=member.name,
                                         branch_name=member.branch.name, username=user.username, password=password))
    audit_record(actor=actor, action="member_accounts.create", object_type="townships.township",
                 object_id=township.pk, object_repr=township.code,
                 after={"branch_id": branch_id, "member_ids": sorted(set(member_ids or [])),
                        "created": [c.username for c in created], "already": len(members) - len(created)})
    return MemberAccountsResult(created=created, already=len(members) - len(created))
