from django.utils.functional import SimpleLazyObject

from .navigation import sections_for
from .roles import role_labels


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "nav_sections": SimpleLazyObject(lambda: sections_for(user)),
        "user_roles": SimpleLazyObject(lambda: role_labels(user)),
    }
