"""Two pieces of deployment security that Django 5.2 has no setting for: a Content-Security-Policy
header, and the client's address as seen by the reverse proxy (for django-axes' lock-out)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """Send settings.JXC_CONTENT_SECURITY_POLICY (unless empty) on every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = settings.JXC_CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The address django-axes locks a username on.

    Behind JXC_PROXY_COUNT reverse proxies REMOTE_ADDR is the nearest proxy's, the same for every
    user: locking on it would lock a username for the whole company. Each proxy appends the
    address it saw to X-Forwarded-For, so the entry JXC_PROXY_COUNT from the right is the one the
    outermost proxy saw. Entries further left come from the client and can be forged, so they
    are never read."""
    count = settings.JXC_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
