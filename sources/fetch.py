# LEAD NOTE TO THE FETCH HELPER: read /work/main/AGENTS.md now (git, test DB, deadline 02:35 UTC rules). Then delete this line.
"""The guarded HTTP client: the only way Claimwatch makes outgoing requests.

Contract (implemented by the monitoring work; code against these names):

    class FetchBlocked(Exception)        # the guard refused: .reason says why
    class FetchFailed(Exception)         # .kind: "timeout" | "connection" | "tls" |
                                         #        "too_many_redirects" | "too_large" | "protocol"
    @dataclass
    class FetchResult:
        url: str                 # the final URL, after redirects
        status: int
        content_type: str        # lower-case media type, no parameters
        text: str | None         # decoded body for HTML/XHTML/plain text/JSON, else None
        body_hash: str           # sha256 of the (capped, decoded) body bytes
        etag: str
        last_modified: str
        redirects: list[tuple[int, str]]   # (status, location) of each redirect followed
        elapsed_ms: int

    def check_url(url: str) -> None
        # cheap check before a URL is stored: scheme, credentials, IP literals and names
        # such as localhost that can never be public; raises FetchBlocked. No DNS.
    async def fetch_async(url, *, etag="", last_modified="", session=None) -> FetchResult
    def fetch(url, *, etag="", last_modified="") -> FetchResult     # sync wrapper
"""
