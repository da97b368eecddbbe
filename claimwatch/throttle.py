"""Throttles that django-axes does not give: password spraying and password-reset mails.

The client's address is claimwatch.client_ip's (the proxy's header only from
TRUSTED_PROXIES), as for axes and the public rate limit.

1. django-axes locks a (username, address) pair after LOGIN_FAILURE_LIMIT failures, never
   the address: behind a proxy a whole desk may share one.
2. Spraying (one address trying a few passwords on each of many usernames never reaches
   that): once an address has LOGIN_IP_FAILURE_LIMIT failures across all usernames within
   the cool-off (counted from axes' own rows, so every web process agrees), a log-in from
   it is refused with 429 before any password is checked, unless the browser has logged in
   as that username before. Such a browser carries a signed cookie naming the usernames it
   logged in as (set here on every successful log-in, LOGIN_KNOWN_BROWSER_DAYS); a sprayer
   has none, so the desk's own browsers keep logging in with the right password while
   someone behind the same address sprays. Their pair lock (1) still applies to them.
3. Password-reset mails: at most PASSWORD_RESET_LIMIT requests per address and per e-mail
   address an hour (429 after), counted in Django's cache. While the cache is away nothing
   can be counted, so the request is answered 503 saying so (no mail unthrottled).
"""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core import signing
from django.db.models import Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from claimwatch import cache_safe
from claimwatch.client_ip import client_ip

RESET_WINDOW_SECONDS = 3600
RETRY_AFTER_SECONDS = 60
KNOWN_COOKIE = "cw_known"
KNOWN_SALT = "claimwatch.throttle.known-browser"
KNOWN_MAX = 5  # usernames one browser is known for (a shared desk computer)


def ip_failures(ip: str) -> int:
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    return (
        AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        or 0
    )


def _known_usernames(request) -> list[str]:
    try:
        names = signing.loads(
            request.COOKIES.get(KNOWN_COOKIE, ""),
            salt=KNOWN_SALT,
            max_age=timedelta(days=settings.LOGIN_KNOWN_BROWSER_DAYS),
        )
    except signing.BadSignature:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _remember_browser(request, response) -> None:
    username = request.user.get_username().lower()
    names = [username] + [n for n in _known_usernames(request) if n != username]
    response.set_cookie(
        KNOWN_COOKIE,
        signing.dumps(names[:KNOWN_MAX], salt=KNOWN_SALT),
        max_age=settings.LOGIN_KNOWN_BROWSER_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


class ThrottleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        if request.path == reverse("login"):
            username = (request.POST.get("username") or "").strip().lower()[:150]
            ip = client_ip(request)
            if (
                ip
                and username not in _known_usernames(request)
                and ip_failures(ip) >= settings.LOGIN_IP_FAILURE_LIMIT
            ):
                return render(
                    request, "registration/locked_out.html", {"spraying": True}, status=429
                )
            response = self.get_response(request)
            if request.user.is_authenticated:
                _remember_browser(request, response)
            return response
        if request.path == reverse("password_reset"):
            ip = client_ip(request)
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
                return render(request, "registration/locked_out.html", {"reset": True}, status=429)
        return self.get_response(request)
