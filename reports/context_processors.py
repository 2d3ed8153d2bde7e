"""The alert bell in the navbar: for users who may see alerts, the number of open (not yet
acknowledged) alerts of their roles and warehouses — one COUNT query, made only when a page
shows the bell and at most once per request."""

from django.utils.functional import cached_property


class AlertBell:
    def __init__(self, request):
        self._request = request
        self._user = getattr(request, "user", None)

    @cached_property
    def show(self) -> bool:
        user = self._user
        return bool(user is not None and user.is_authenticated and user.has_perm("reports.view_alert"))

    @property
    def count(self) -> int:
        if not self.show:
            return 0
        cached = getattr(self._request, "_jxc_open_alerts", None)
        if cached is None:
            from .alerts import open_alert_count

            cached = open_alert_count(self._user)
            self._request._jxc_open_alerts = cached  # a page may render several templates
        return cached


def alert_bell(request):
    return {"alert_bell": AlertBell(request)}
