"""The client's address, the one home for it: log-in locks (django-axes calls `client_ip`,
AXES_CLIENT_IP_CALLABLE), the spraying and reset throttles and the public rate limit.

1. The peer's address (REMOTE_ADDR) is the client's, unless the peer is one of
   settings.TRUSTED_PROXIES (addresses or networks; none by default).
2. Only then is X-Forwarded-For read, from the right (each proxy appends the address it
   heard from): the first address that is not itself a trusted proxy is the client's. What
   a client wrote into the header itself sits further left and is never reached while a
   proxy we trust appended after it.
3. A malformed entry stops the walk: the last trusted hop's peer is used instead.
"""

import ipaddress

from django.conf import settings


def _trusted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(ip in network for network in settings.TRUSTED_PROXIES)


def _parse(text: str):
    try:
        return ipaddress.ip_address(text.strip().split("%", 1)[0])
    except ValueError:
        return None


def client_ip(request) -> str:
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    client = peer
    if _trusted(peer):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-20:]
        for hop in reversed(hops):
            ip = _parse(hop)
            if ip is None:
                break
            client = ip
            if not _trusted(ip):
                break
    return str(client)
