import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

_KEY = "jxc_last_seen"
# Write the timestamp at most this often, so a busy page does not write the session each request.
_TOUCH_EVERY = 60


class IdleSessionMiddleware:
    """End a session after SESSION_IDLE_TIMEOUT seconds without a request (shared terminals)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity."))
                return redirect_to_login(request.get_full_path())
            if last is None or now - last >= _TOUCH_EVERY:
                request.session[_KEY] = now
        return self.get_response(request)
