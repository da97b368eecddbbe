"""URL normalisation: one document, one URL, so duplicates are caught on it."""

import ipaddress
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

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
# A host name in ASCII (IDNA): dot-separated labels of letters, digits and inner hyphens.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")
# The same, as typed (any case, a final dot), for input schemas (the API's `pattern`).
_LABEL_INPUT = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST_NAME_INPUT = rf"^{_LABEL_INPUT}(?:\.{_LABEL_INPUT})*\.?$"
# What RFC 3986 allows unescaped in a path and a query, beside letters and digits.
_PATH_SAFE = "/%!$&'()*+,;=:@-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


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


def as_uri(url: str) -> str:
    """A normalised URL as an RFC 3986 URI, for outputs that promise one (the API's
    `format: uri`): a path or query kept as the outlet wrote it (an IRI, say with
    Arabic or Urdu letters) is percent-encoded as UTF-8; what is already escaped stays."""
    parts = urlsplit(url)
    path = quote(parts.path, safe=_PATH_SAFE)
    query = quote(parts.query, safe=_QUERY_SAFE)
    return urlunsplit(
        (parts.scheme, parts.netloc, path, query, quote(parts.fragment, safe=_QUERY_SAFE))
    )


def normalize_domain(raw: str) -> str:
    """An outlet's domain, or raise ValidationError: a host name, lower-case, IDNA-encoded,
    without 'www.' or a final dot, or an IP address (local sites have one). A URL, a path,
    a port or spaces are refused, so sources can be matched to the outlet by their host."""
    domain = (raw or "").strip().lower().rstrip(".")
    if domain.startswith("www."):
        domain = domain[4:]
    try:
        return str(ipaddress.ip_address(domain))
    except ValueError:
        pass
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    if not _HOST_NAME.fullmatch(domain):
        raise ValidationError(
            {"domain": "Enter a domain name such as dawn.com: no http://, path, port or spaces."},
            code="invalid",
        )
    return domain
