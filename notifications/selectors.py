"""Reads: inboxes, preferences, failed deliveries, delivery health and recipient lists."""
from __future__ import annotations

import django_filters
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, RoleAssignment
from common.filters import filtered
from notifications.events import event_choices, render_message
from notifications.models import Delivery, Preference
from tenants.townships.models import Township

User = get_user_model()


# --- recipients (for the services that call notify) ------------------------------------------------
def county_admin_users() -> QuerySet:
    return User.objects.filter(is_active=True, roles__role=Role.COUNTY_ADMIN).distinct().order_by("pk")


def township_users(*, township: Township, roles: tuple[str, ...] | None = None) -> QuerySet:
    """Active users holding a role (one of `roles`, if given) in `township`."""
    qs = RoleAssignment.objects.filter(township=township)
    if roles:
        qs = qs.filter(role__in=roles)
    return User.objects.filter(is_active=True, pk__in=qs.values("user_id")).order_by("pk")


def township_office_users(*, township: Township) -> QuerySet:
    return township_users(township=township, roles=(Role.TOWNSHIP_OFFICE,))


def recipients_in_township(*, township: Township, users) -> list:
    """Those of `users` who may receive `township`'s notifications (a role there, or county admin).

    `notify` refuses anyone else; callers whose recipient may have lost the role meanwhile
    (e.g. the uploader of a long roster import) filter with this first.
    """
    users = [u for u in users if u is not None]
    allowed = set(
        RoleAssignment.objects.filter(Q(township=township) | Q(role=Role.COUNTY_ADMIN), user__in=users)
        .values_list("user_id", flat=True)
    )
    return [u for u in users if u.pk in allowed]


def is_county_admin(user) -> bool:
    return RoleAssignment.objects.filter(user=user, role=Role.COUNTY_ADMIN).exists()


def office_township_ids(*, user) -> set[int] | None:
    """Townships whose deliveries `user` may see and retry: None means all (county admin)."""
    if is_county_admin(user):
        return None
    return set(RoleAssignment.objects.filter(user=user, role=Role.TOWNSHIP_OFFICE).values_list("township_id", flat=True))


# --- preferences ---------------------------------------------------------------------------------
def preference_get(*, user) -> Preference:
    """The user's preferences, or an unsaved row holding the defaults."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)


# --- inbox ---------------------------------------------------------------------------------------
class InboxFilter(django_filters.FilterSet):
    township = django_filters.CharFilter(field_name="notification__township__code", label=_("township"))
    event = django_filters.ChoiceFilter(field_name="notification__event", choices=event_choices, label=_("event"))
    read = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", exclude=True, label=_("read"))

    class Meta:
        model = Delivery
        fields = ["township", "event", "read"]


def _visible_to(user) -> Q:
    """County events, and events of townships where the user still holds a role; everything for a
    county admin. One condition inside the inbox's own statement (the county-admin test is an
    uncorrelated EXISTS, evaluated once), so every page's unread count is a single query."""
    township_ids = RoleAssignment.objects.filter(user=user, township__isnull=False).values("township_id")
    county_admin = RoleAssignment.objects.filter(user=user, role=Role.COUNTY_ADMIN)
    return (Q(notification__township__isnull=True) | Q(notification__township_id__in=township_ids)
            | Q(Exists(county_admin)))


def inbox_list(*, user, filters: dict | None = None) -> QuerySet[Delivery]:
    """The user's in-app notifications (any delivery state: the committed row is the inbox item)."""
    qs = (
        Delivery.objects.filter(recipient=user, channel="in_app")
        .filter(_visible_to(user))
        .select_related("notification", "notification__township")
        .order_by("-created_at", "-id")
    )
    return filtered(InboxFilter, filters, qs)


def inbox_unread_count(*, user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return inbox_list(user=user).filter(read_at__isnull=True).count()


def inbox_townships(*, user) -> QuerySet[Township]:
    """Townships to offer in the inbox filter."""
    ids = inbox_list(user=user).exclude(notification__township__isnull=True).values("notification__township_id")
    return Township.objects.filter(pk__in=ids).order_by("code")


def with_messages(deliveries, *, language: str | None, recipient=None) -> list[Delivery]:
    """Attach `.subject` and `.body` (rendered in `language`) and `.link` (the page the
    notification is about, "" if none) to each delivery."""
    from notifications.events import event_link

    items = list(deliveries)
    for item in items:
        item.link = event_link(item.notification)
        item.subject, item.body = render_message(
            event=item.notification.event, language=language,
            context=message_context(item.notification, recipient),
        )
    return items


def message_context(notification, recipient=None) -> dict:
    township = notification.township
    return {
        **(notification.context or {}),
        "township_name": township.name if township is not None and not township.is_county else "",
        "recipient_name": str(recipient) if recipient is not None else "",
    }


# --- the township office and the county ---------------------------------------------------------
class FailedDeliveryFilter(django_filters.FilterSet):
    township = django_filters.CharFilter(field_name="notification__township__code", label=_("township"))
    event = django_filters.ChoiceFilter(field_name="notification__event", choices=event_choices, label=_("event"))
    channel = django_filters.CharFilter(field_name="channel", label=_("channel"))

    class Meta:
        model = Delivery
        fields = ["township", "event", "channel"]


def failed_delivery_list(*, user, filters: dict | None = None) -> QuerySet[Delivery]:
    """Failed deliveries of the townships whose office the user holds (all for a county admin).

    County-level events (no township) are shown to county admins only.
    """
    qs = Delivery.objects.filter(state=Delivery.State.FAILED).select_related(
        "notification", "notification__township", "recipient"
    )
    allowed = office_township_ids(user=user)
    if allowed is not None:
        qs = qs.filter(notification__township_id__in=allowed)
    return FailedDeliveryFilter(filters or {}, queryset=qs.order_by("-created_at", "-id")).qs


def delivery_health() -> list[dict]:
    """Counts of deliveries by state per township (None = county events), for the county."""
    states = [state for state, _label in Delivery.State.choices]
    rows = (
        Delivery.objects.values("notification__township_id")
        .annotate(**{state: Count("id", filter=Q(state=state)) for state in states}, total=Count("id"))
        .order_by()
    )
    by_township = {row["notification__township_id"]: row for row in rows}
    townships = {t.pk: t for t in Township.objects.filter(pk__in=[k for k in by_township if k])}
    result = []
    for township_id, row in by_township.items():
        township = townships.get(township_id)
        result.append({
            "township": township,
            "name": township.name if township and not township.is_county else None,
            "code": township.code if township else "",
            "total": row["total"],
            **{state: row[state] for state in states},
        })
    return sorted(result, key=lambda r: (r["township"] is not None, r["code"]))


def local_zone_name(township: Township | None) -> str:
    if township is None or township.is_county:
        return settings.TIME_ZONE
    return township.time_zone
