from django import template

from common.menu import menu_html

register = template.Library()


@register.simple_tag(takes_context=True)
def menu(context) -> str:
    """The page's menu (common/_menu.html) for the visitor's access in this township."""
    return menu_html(access=context.get("access"), township=context.get("township"),
                     home_url=context.get("home_url", ""))
