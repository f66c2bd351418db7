from django import template

from common.context_processors import public_url
from notifications.selectors import inbox_unread_count

register = template.Library()


@register.inclusion_tag("notifications/_nav_link.html", takes_context=True)
def notifications_nav_link(context):
    """"Messages (n)" linking to the inbox (the township's copy of it on township pages)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"inbox_url": ""}
    # Inside a township the inbox opens under the township's prefix, so its menu stays.
    township = context.get("township")
    inbox_url = f"{township.url_prefix()}notifications/" if township is not None else public_url("notifications:inbox")
    return {"inbox_url": inbox_url, "unread": inbox_unread_count(user=user)}


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    return inbox_unread_count(user=getattr(request, "user", None))
