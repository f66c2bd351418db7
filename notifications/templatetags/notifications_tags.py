from django import template

from common.context_processors import public_url
from notifications.selectors import inbox_unread_count

register = template.Library()


@register.inclusion_tag("notifications/_nav_link.html", takes_context=True)
def notifications_nav_link(context):
    """"Messages (n)" linking to the inbox (a public URL, so it works on township pages too)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"inbox_url": ""}
    return {"inbox_url": public_url("notifications:inbox"), "unread": inbox_unread_count(user=user)}


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    return inbox_unread_count(user=getattr(request, "user", None))
