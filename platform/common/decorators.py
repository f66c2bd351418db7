"""Access checks for views: one decorator factory instead of a hand-written wrapper per rule."""
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.access import Access


def access_required(test: Callable[[Access], bool], *, in_township: bool = False):
    """Log in first; then `test(request.access)` must hold, else 403.

    With `in_township`, the user must also hold some role in the request's township (or be a
    county admin), checked before `test`.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            access = request.access
            if (in_township and not access.can_enter_township) or not test(access):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def township_access_required(test: Callable[[Access], bool]):
    """`access_required(test, in_township=True)`."""
    return access_required(test, in_township=True)


# Some role in this township (or county admin); else 403.
township_required = access_required(lambda access: True, in_township=True)
