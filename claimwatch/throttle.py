"""Throttles that django-axes does not give: password spraying and password-reset mails.

- django-axes locks a username at one address after LOGIN_FAILURE_LIMIT failures. One
  address trying a few passwords on each of many usernames (spraying) never reaches that,
  so an address with LOGIN_IP_FAILURE_LIMIT failures across all usernames within the
  cool-off is refused too (429), counted from axes' own rows (every web process sees them).
- Password-reset mails: at most PASSWORD_RESET_LIMIT requests per address and per e-mail
  address an hour (429 after), counted in Django's cache. While the cache is away nothing
  can be counted, so the request is answered 503 saying so (no mail unthrottled).
"""

from datetime import timedelta

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from claimwatch import cache_safe

RESET_WINDOW_SECONDS = 3600
RETRY_AFTER_SECONDS = 60


def ip_failures(ip: str) -> int:
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    return (
        AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        or 0
    )


class ThrottleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST":
            if request.path == reverse("login"):
                ip = get_client_ip_address(request) or ""
                if ip and ip_failures(ip) >= settings.LOGIN_IP_FAILURE_LIMIT:
                    return render(request, "registration/locked_out.html", status=429)
            elif request.path == reverse("password_reset"):
                ip = get_client_ip_address(request) or ""
                email = (request.POST.get("email") or "").strip().lower()[:254]
                counts = [cache_safe.count(f"reset:ip:{ip}", RESET_WINDOW_SECONDS)]
                if email:
                    counts.append(cache_safe.count(f"reset:email:{email}", RESET_WINDOW_SECONDS))
                if None in counts:
                    response = render(
                        request, "registration/locked_out.html", {"unavailable": True}, status=503
                    )
                    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
                    return response
                if max(counts) > settings.PASSWORD_RESET_LIMIT:
                    return render(
                        request, "registration/locked_out.html", {"reset": True}, status=429
                    )
        return self.get_response(request)
