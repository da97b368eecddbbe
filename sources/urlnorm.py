"""URL normalisation: one document, one URL, so duplicates are caught on it."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that track the reader and never change the document.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "_gl",
        "ocid",
        "cmpid",
        "ito",
        "smid",
    }
)
TRACKING_PREFIXES = ("utm_",)
# "javascript:x" or "mailto:x" has a scheme; "example.com:8080/a" is a host and port.
_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?![0-9])")
_validate = URLValidator(schemes=["http", "https"])


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def normalize_url(raw: str) -> str:
    """Return the canonical form of an http(s) URL, or raise ValidationError.

    1. Trim white space; a URL without a scheme is taken as https.
    2. Refuse other schemes and credentials in the URL.
    3. Lower-case the scheme and host (IDNA-encoded), drop the default port.
    4. Drop the fragment and tracking parameters (utm_*, fbclid, gclid, ...); keep the
       order of the remaining parameters, which some sites depend on.
    5. An empty path becomes "/"; any other path is kept as it is, trailing slash
       included, because /a and /a/ can be different documents.
    """
    url = (raw or "").strip()
    if not url:
        raise ValidationError("Enter a URL.", code="required")
    if not _HAS_SCHEME.match(url) and not url.startswith("//"):
        url = "https://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError("This is not a valid URL.", code="invalid") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValidationError("Only http and https URLs can be sources.", code="scheme")
    if parts.username is not None or parts.password is not None:
        raise ValidationError("Remove the user name and password from the URL.", code="credentials")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValidationError("This URL has no host name.", code="invalid")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValidationError("This URL's host name is not valid.", code="invalid") from None
    if ":" in host:  # an IPv6 literal goes back in brackets
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    normalised = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    try:
        _validate(normalised)
    except ValidationError:
        raise ValidationError("This is not a valid URL.", code="invalid") from None
    return normalised


def domain_of(url: str) -> str:
    """The outlet domain of a normalised URL: its host without a leading 'www.'."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
