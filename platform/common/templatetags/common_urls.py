from django import template

from common.reverse import id_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def id_url(context, viewname: str, pk) -> str:
    """`{% id_url 'app:view' row.pk %}`: what `{% url 'app:view' row.pk %}` gives (escaped the same
    way, same current app), for a URL whose only argument is an integer id, without a full
    `reverse` per row of a table (see common.reverse.id_reverse)."""
    request = getattr(context, "request", None)
    try:  # as Django's URLNode chooses it
        current_app = request.current_app
    except AttributeError:
        current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
    return id_reverse(viewname, pk, current_app=current_app)
