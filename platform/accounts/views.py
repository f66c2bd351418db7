"""Login, and the people pages of a township (/t/<code>/people/).

The people pages are for the township office (county admins may open them too: the county
appoints a new township's first office staff). Role writes go through `accounts.services`
and are audited in the public schema, where users and roles live.
"""
from __future__ import annotations

import contextlib
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name, schema_context

from accounts import recovery, services
from accounts.forms import (
    LoginForm,
    MemberAccountsForm,
    PasswordChangeForm,
    PasswordResetCodeForm,
    PasswordResetLinkForm,
    PasswordResetRequestForm,
    RoleAssignForm,
)
from accounts.models import Role, RoleAssignment, User
from accounts.selectors import member_ids_with_account
from common import clock
from common.decorators import access_required
from common.errors import DomainError, apply_to_form
from tenants.organisation.selectors import branch_scope, member_list, member_scope, village_scope
from tenants.townships.selectors import role_scope_names, township_role_list

ROLE_ASSIGNED = _("Role %(role)s given to %(user)s.")
PASSWORD_CHANGED = _("Your password has been changed.")
TOKEN_REVOKED = _("API token of %(user)s revoked: their apps must log in again.")
LOCKOUT_LIFTED = _("Lockout lifted: the account can log in from that address again.")
ROLE_REVOKED = _("Role %(role)s taken from %(user)s.")
MEMBER_OPTIONS_LIMIT = 20
NAME_AND_PLACE = _("%(name)s (%(place)s)")


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        # A language chosen on the login page (its cookie) is kept and remembered for the person;
        # without one, the person's saved choice follows them to this device.
        chosen = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in _language_codes() and chosen != user.language:
            user = services.user_language_set(user=user, language=chosen)
        response = super().form_valid(form)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
        return response


class LogoutView(auth_views.LogoutView):
    pass


def _language_codes() -> set[str]:
    return {code for code, _label in settings.LANGUAGES}


def language_set(request):
    """Django's `set_language` (cookie, redirect to `next`), and for a signed-in person the choice
    is also saved on their account, so it survives logging out and other devices."""
    from django.views.i18n import set_language

    response = set_language(request)
    language = request.POST.get("language")
    if request.method == "POST" and request.user.is_authenticated and language in _language_codes():
        services.user_language_set(user=request.user, language=language)
    return response


# --- people of a township -----------------------------------------------------------------------
def people_manager_required(view):
    """The township office, or a county admin; anyone else (clerks, members...) gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        access = request.access
        if request.tenant.is_county or not (access.is_county_admin or access.has_role(Role.TOWNSHIP_OFFICE)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _member_choices(request, *, query: str = "", selected=None) -> list[tuple[int, str]]:
    """Members offered in the member select: the selected one and those matching `query`."""
    access = request.access
    found = []
    if selected:
        with contextlib.suppress(TypeError, ValueError):
            found += list(member_scope(access).select_related("branch").filter(pk=int(selected)))
    if query.strip():
        found += list(member_list(access=access, filters={"q": query.strip()})[:MEMBER_OPTIONS_LIMIT])
    seen, choices = set(), []
    for member in found:
        if member.pk not in seen:
            seen.add(member.pk)
            choices.append((member.pk, str(NAME_AND_PLACE) % {"name": member.name, "place": member.branch.name}))
    return choices


def _people_rows(request):
    """[(user, [(assignment, scope labels)])] for everyone holding a role in this township."""
    assignments = list(township_role_list(township=request.tenant))
    names = role_scope_names(assignments=assignments)
    rows: dict[int, tuple[User, list]] = {}
    for a in assignments:
        labels = [names["villages"].get(v, f"#{v}") for v in a.village_ids]
        if a.branch_id:
            labels.append(names["branches"].get(a.branch_id, f"#{a.branch_id}"))
        if a.member_id:
            labels.append(names["members"].get(a.member_id, f"#{a.member_id}"))
        rows.setdefault(a.user_id, (a.user, []))[1].append((a, labels))
    return list(rows.values())


def _assign_form(request, data=None):
    access = request.access
    form = RoleAssignForm(
        data,
        villages=village_scope(access),
        branches=branch_scope(access).select_related("village"),
        member_choices=_member_choices(
            request, query=(data or {}).get("member_search", ""), selected=(data or {}).get("member_id"),
        ),
    )
    form.fields["member_search"].widget.attrs.update({
        "hx-get": reverse("people:member_options"), "hx-trigger": "input changed delay:300ms, search",
        "hx-target": "#id_member_id", "hx-swap": "innerHTML",
    })
    return form


@people_manager_required
def people_list(request):
    return render(request, "accounts/people_list.html", {
        "rows": _people_rows(request), "form": _assign_form(request),
    })


@people_manager_required
def role_assign_view(request):
    form = _assign_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # Users and roles live in the public schema; so does their audit trail. Creating the
            # user and giving the role is one transaction: a refused role creates no user.
            with schema_context(get_public_schema_name()):
                assignment = services.role_give(
                    actor=request.user, township=request.tenant, username=data["username"],
                    password=data["password"], full_name=data["full_name"], phone=data["phone"],
                    role=data["role"], **form.scope,
                )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, ROLE_ASSIGNED % {"role": assignment.get_role_display(),
                                                       "user": assignment.user})
            return redirect("people:list")
    return render(request, "accounts/role_assign.html", {"form": form})


@people_manager_required
@require_POST
def role_revoke_view(request, pk):
    try:
        assignment = township_role_list(township=request.tenant).get(pk=pk)
    except RoleAssignment.DoesNotExist:
        raise Http404 from None
    role, user = assignment.get_role_display(), assignment.user
    with schema_context(get_public_schema_name()):
        services.role_revoke(actor=request.user, assignment=assignment)
    messages.success(request, ROLE_REVOKED % {"role": role, "user": user})
    return redirect("people:list")


@people_manager_required
@require_POST
def token_revoke_view(request, user_id):
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise Http404
    try:
        with schema_context(get_public_schema_name()):
            services.token_revoke(actor=request.user, user=person, township=request.tenant)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, TOKEN_REVOKED % {"user": person})
    return redirect("people:list")


@people_manager_required
def member_options(request):
    """htmx: <option>s of members matching ?member_search=, for the member select."""
    choices = _member_choices(request, query=request.GET.get("member_search", ""))
    return render(request, "accounts/_member_options.html", {"choices": choices})


# --- login lockouts (county admin) -------------------------------------------------------------------
@access_required(lambda access: access.is_county_admin)
def lockout_list(request):
    if request.method == "POST":
        try:
            services.login_unlock(actor=request.user, attempt_id=int(request.POST.get("attempt", "0")))
            messages.success(request, LOCKOUT_LIFTED)
        except (DomainError, ValueError) as exc:
            messages.error(request, str(getattr(exc, "message", exc)) if isinstance(exc, DomainError)
                           else str(services.LOCKOUT_NOT_FOUND))
        return redirect("accounts:lockouts")
    return render(request, "accounts/lockout_list.html", {"lockouts": services.login_lockouts()})


# --- own password ----------------------------------------------------------------------------------
@login_required
def password_change(request):
    """Change one's own password; an account with an initial password is sent here first."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                                            new_password=form.cleaned_data["new_password"])
        except DomainError as error:
            apply_to_form(form, error)
        else:
            update_session_auth_hash(request, user)  # stay logged in on this device
            messages.success(request, PASSWORD_CHANGED)
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/password_change.html", {"form": form, "forced": request.user.must_change_password},
                  status=400 if request.method == "POST" else 200)


# --- forgotten password (accounts.recovery) ---------------------------------------------------------
PASSWORD_RESET_DONE = _("Your password has been reset. Log in with the new one.")
_RESET_IDENTIFIER = "password_reset_identifier"


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def password_reset_request(request):
    """Ask for a reset link (e-mail) or code (SMS). The answer never says whether the account exists."""
    form = PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            identifier = form.cleaned_data["identifier"].strip()
            try:
                recovery.password_reset_request(request=request, identifier=identifier)
            except DomainError as error:
                apply_to_form(form, error)
                status = 429 if error.code == "throttled" else 400
            else:
                request.session[_RESET_IDENTIFIER] = identifier
                return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset_request.html", {"form": form}, status=status)


def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.html")


def password_reset_code(request):
    """Enter the SMS code and a new password."""
    form = PasswordResetCodeForm(request.POST or None,
                                 initial={"identifier": request.session.get(_RESET_IDENTIFIER, "")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                recovery.password_reset_by_code(request=request, identifier=data["identifier"], code=data["code"],
                                                new_password=data["new_password"])
            except DomainError as error:
                apply_to_form(form, error)
                status = 429 if error.code == "throttled" else 400
            else:
                request.session.pop(_RESET_IDENTIFIER, None)
                messages.success(request, PASSWORD_RESET_DONE)
                return redirect("accounts:login")
    return _no_store(render(request, "accounts/password_reset_code.html", {"form": form}, status=status))


def password_reset_confirm(request, uidb64, token):
    """The e-mailed link: choose a new password."""
    if recovery.reset_link_user(uidb64, token) is None:
        return _no_store(render(request, "accounts/password_reset_confirm.html",
                                {"invalid": recovery.RESET_LINK_INVALID}, status=400))
    form = PasswordResetLinkForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                recovery.password_reset_by_link(uidb64=uidb64, token=token,
                                                new_password=form.cleaned_data["new_password"])
            except DomainError as error:
                apply_to_form(form, error)
            else:
                messages.success(request, PASSWORD_RESET_DONE)
                return redirect("accounts:login")
    return _no_store(render(request, "accounts/password_reset_confirm.html", {"form": form}, status=status))


# --- member accounts in bulk ------------------------------------------------------------------------
MEMBER_ACCOUNTS_NONE = _("Every chosen member already has an account: nothing was created.")


def _member_accounts_form(request, data=None):
    access = request.access
    branch_id = (data or request.GET).get("branch")
    members = []
    if branch_id and str(branch_id).isdigit():
        members = list(member_list(access=access, filters={"branch": branch_id, "status": "active"}))
    have = member_ids_with_account(township=request.tenant, member_ids=[m.pk for m in members])
    form = MemberAccountsForm(data, initial={"branch": branch_id}, branches=branch_scope(access).order_by("name"),
                              member_choices=[(m.pk, m.name) for m in members if m.pk not in have])
    return form, members, have


@people_manager_required
def member_accounts(request):
    """The office creates member accounts for a branch and sees their initial passwords once."""
    form, members, have = _member_accounts_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with schema_context(get_public_schema_name()):
                result = services.member_accounts_create(
                    actor=request.user, township=request.tenant, branch_id=data["branch"].pk,
                    member_ids=data["member_ids"] or None,
                )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            if not result.created:
                messages.info(request, MEMBER_ACCOUNTS_NONE)
                return redirect(f"{reverse('people:member_accounts')}?branch={data['branch'].pk}")
            # Shown once, in this answer only: never stored, never cached.
            response = render(request, "accounts/member_credentials.html", {
                "result": result, "branch": data["branch"], "now": clock.now()})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "accounts/member_accounts.html", {
        "form": form, "members": members, "have": have,
    }, status=400 if request.method == "POST" else 200)
