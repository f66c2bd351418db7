from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from tenants.organisation.selectors import township_headline


def township_required(view):
    """Login required, and some role in this township (or county admin); else 403."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.access.can_enter_township:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@township_required
def township_home(request):
    return render(request, "organisation/home.html", {"headline": township_headline(access=request.access)})
