from django import template

from viaviden.core.navigation import staff_menu as build_staff_menu

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_menu(context):
    """`{% staff_menu as menu %}`: the signed-in user's menu groups (viaviden.core.navigation)."""
    request = context.get("request")
    if request is None:
        return []
    return build_staff_menu(request.user, request.path)
