"""Reading a page through headless Chromium (Source.render, an opt-in per source), with the
guard of sources/fetch.py over every request the browser makes.

Contract (monitoring.checks.fetching codes against these names):

    class RenderFailed(Exception)    # .kind == "render"; .reason says why, in plain words
    class Renderer                   # async context manager: one browser for a batch
        async def render(self, url, *, result: fetch.FetchResult) -> str   # the DOM as HTML

The anchor is changedetection.io's Playwright fetcher (content_fetchers/playwright.py): a
fresh context per page, `goto(..., wait_until="load")`, a short wait, `page.content()`. What
differs is the network: Chromium makes no connection of its own.

1. The page's own document is the body the guarded fetch already read (`result`): it is
   handed to the browser as the answer to the navigation, so the check renders the bytes it
   captured, and the page is not requested twice.
2. Every other request the browser would make (scripts, XHR/fetch, frames, redirects,
   navigations) is routed (`context.route("**/*")`) and answered by `fetch.fetch_async`
   through a `make_session` session: check_url on the URL, the GuardedResolver on every
   address, every redirect hop checked again, the byte cap, no proxies from the environment.
   A refused URL is aborted; so are methods other than GET (a check reads, it never posts),
   images, media and fonts (no text in them), and anything past MAX_REQUESTS.
3. Because the guarded client connects to the very addresses it checked, there is no second
   DNS lookup for a rebinding answer to slip into. Chromium itself is given a proxy that
   refuses every connection (a bound, never listening socket, loopback included) and a host
   resolver that resolves nothing, so what is not routed (a preconnect, a WebSocket, WebRTC,
   a request some future Chromium does not expose to routing) fails closed. Service workers
   are blocked and WebSockets are closed by `route_web_socket` before they connect.
4. Limits: RENDER_TIMEOUT seconds for the whole page (launch, load, settle, read), the
   browser's process tree under RENDER_MAX_MB (proportional set size, polled every 0.2 s;
   the tree is killed past it; an idle Chromium takes about 400 MB of it), and the rendered
   HTML under FETCH_MAX_BYTES (measured in the page before it is copied out). Past any of
   them the render raises RenderFailed: a failed check with its reason, never a hung worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
from collections.abc import Iterator

import psutil
from django.conf import settings
from playwright.async_api import Browser, Playwright, Route, WebSocketRoute, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from . import fetch

# Chromium without its background chatter (tests/browser/conftest.py uses the same).
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pings",
    # Step 3: Chromium resolves no name itself, and WebRTC may not send UDP around the proxy.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
]
# Requests one page may make; a script looping over fetch() gets refusals past this.
MAX_REQUESTS = 300
# Resource types with no text in them: refused without a request.
SKIPPED_TYPES = frozenset({"image", "media", "font"})
# After "load", how long a page may keep fetching before it is read (scripts that render
# after an XHR); the total RENDER_TIMEOUT still bounds it.
SETTLE_SECONDS = 2.0
MEMORY_POLL_SECONDS = 0.2
# Response headers the browser must not see from a fulfilled answer: aiohttp has already
# decoded the body and read it to the end.
DROPPED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class RenderFailed(Exception):
    """The browser could not give the page's HTML within the limits; .reason says why."""

    kind = "render"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
        self.message = reason


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"


def _env_without_proxies() -> dict[str, str]:
    """The browser's environment: no *_proxy variable may route it anywhere."""
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}


@contextlib.contextmanager
def _dead_end() -> Iterator[str]:
    """A loopback address that refuses every connection (bound, never listening): the
    proxy Chromium is given, so nothing it sends around the routing reaches anyone."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def _tree_bytes(pids: set[int]) -> int:
    """Memory of these processes: proportional set size (shared pages counted once across
    Chromium's processes), resident size where smaps cannot be read."""
    total = 0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            try:
                total += proc.memory_full_info().pss
            except (psutil.AccessDenied, AttributeError):
                total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def _descendants() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


class Renderer:
    """One Chromium for a batch of checks, launched at the first render; pages are
    rendered one at a time, each in a fresh context, so RENDER_MAX_MB bounds one page."""

    def __init__(self):
        self._lock = asyncio.Lock()
        self._stack: contextlib.AsyncExitStack | None = None
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._proxy = ""
        self._before: set[int] = set()
        self._session = None

    async def __aenter__(self) -> Renderer:
        self._stack = contextlib.AsyncExitStack()
        self._session = await self._stack.enter_async_context(fetch.make_session(limit=8))
        self._proxy = self._stack.enter_context(_dead_end())
        self._before = _descendants()  # what is not ours: the browser's tree is the rest
        return self

    async def __aexit__(self, *exc) -> None:
        await self._close_browser()
        await self._stack.aclose()

    # --- the browser -------------------------------------------------------------------

    async def _launch(self) -> Browser:
        executable = shutil.which("chromium")
        if executable is None:
            raise RenderFailed("No browser is installed on this server (Debian's chromium).")
        self._playwright = await async_playwright().start()
        args = list(CHROMIUM_ARGS)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium's sandbox refuses to start as root
        self._browser = await self._playwright.chromium.launch(
            executable_path=executable,
            args=args,
            proxy={"server": self._proxy},  # Playwright adds <-loopback>: loopback too
            env=_env_without_proxies(),
            timeout=float(settings.RENDER_TIMEOUT) * 1000,
        )
        return self._browser

    def _tree(self) -> set[int]:
        """Chromium's processes: what was started since we began, less the Playwright
        driver (our direct child, a Node process that only relays commands)."""
        driver = {p.pid for p in psutil.Process().children()}
        return _descendants() - self._before - driver

    async def _close_browser(self, *, kill: bool = False) -> None:
        if kill:
            # The Playwright driver is left to stop cleanly below.
            for pid in self._tree():
                with contextlib.suppress(psutil.Error):
                    psutil.Process(pid).kill()
        if self._browser is not None:
            with contextlib.suppress(PlaywrightError, OSError):
                await asyncio.wait_for(self._browser.close(), 5)
        if self._playwright is not None:
            with contextlib.suppress(PlaywrightError, OSError, TimeoutError):
                await asyncio.wait_for(self._playwright.stop(), 5)
        self._browser = self._playwright = None

    async def _watch_memory(self, limit: int, over: asyncio.Event) -> None:
        while True:
            if _tree_bytes(self._tree()) > limit:
                over.set()
                return
            await asyncio.sleep(MEMORY_POLL_SECONDS)

    # --- one page ------------------------------------------------------------------------

    async def render(self, url: str, *, result: fetch.FetchResult) -> str:
        """The page at `url` (whose document the guarded fetch read as `result`) after its
        scripts ran, as HTML; RenderFailed past a limit (steps 1-4)."""
        seconds = float(settings.RENDER_TIMEOUT)
        limit = int(settings.RENDER_MAX_MB) * 1_000_000
        async with self._lock:
            over = asyncio.Event()
            work = asyncio.ensure_future(self._render(url, result, seconds))
            watch = asyncio.ensure_future(self._watch_memory(limit, over))
            try:
                async with asyncio.timeout(seconds):
                    await asyncio.wait([work, watch], return_when=asyncio.FIRST_COMPLETED)
                if over.is_set():
                    raise RenderFailed(
                        f"The browser used more than {_megabytes(limit)} of memory "
                        "rendering this page."
                    )
                return work.result()
            except (TimeoutError, PlaywrightTimeout):
                raise RenderFailed(
                    f"The browser did not finish rendering this page within {seconds:g}s."
                ) from None
            except PlaywrightError as exc:
                raise RenderFailed(f"The browser failed: {str(exc).splitlines()[0]}") from None
            finally:
                stuck = not work.done() or over.is_set()
                for task in (work, watch):
                    task.cancel()
                await asyncio.gather(work, watch, return_exceptions=True)
                if stuck:
                    # A page stuck or too big: this browser is not trusted with the next one.
                    await self._close_browser(kill=True)

    async def _render(self, url: str, result: fetch.FetchResult, seconds: float) -> str:
        browser = self._browser or await self._launch()
        context = await browser.new_context(
            service_workers="block",
            accept_downloads=False,
            java_script_enabled=True,
            user_agent=settings.FETCH_USER_AGENT,
        )
        try:
            requests = 0
            served_document = False

            async def answer(route: Route) -> None:
                nonlocal requests, served_document
                request = route.request
                if not served_document and request.is_navigation_request() and request.url == url:
                    served_document = True
                    await _fulfil(route, result)
                    return
                requests += 1
                if (
                    request.method != "GET"
                    or request.resource_type in SKIPPED_TYPES
                    or requests > MAX_REQUESTS
                ):
                    await route.abort("blockedbyclient")
                    return
                try:
                    answer = await fetch.fetch_async(request.url, session=self._session)
                except fetch.FetchBlocked:
                    await route.abort("blockedbyclient")
                except (fetch.FetchFailed, OSError):
                    await route.abort("failed")
                else:
                    await _fulfil(route, answer)

            async def guarded(route: Route) -> None:
                # A page closed meanwhile makes abort/fulfil raise: nothing to answer then.
                with contextlib.suppress(PlaywrightError):
                    await answer(route)

            async def no_websocket(ws: WebSocketRoute) -> None:
                await ws.close(code=1008, reason="WebSockets are off when rendering.")

            await context.route("**/*", guarded)
            await context.route_web_socket("**/*", no_websocket)
            page = await context.new_page()
            timeout_ms = seconds * 1000
            page.set_default_timeout(timeout_ms)
            await page.goto(url, wait_until="load", timeout=timeout_ms)
            # Scripts that render after an XHR: wait for the network to settle, briefly.
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("networkidle", timeout=SETTLE_SECONDS * 1000)
            size = await page.evaluate(
                "() => new TextEncoder().encode(document.documentElement.outerHTML).length"
            )
            cap = int(settings.FETCH_MAX_BYTES)
            if size > cap:
                raise RenderFailed(
                    f"The rendered page is larger than {_megabytes(cap)} ({_megabytes(size)})."
                )
            return await page.content()
        finally:
            with contextlib.suppress(PlaywrightError):
                await context.close()


async def _fulfil(route: Route, answer: fetch.FetchResult) -> None:
    headers = {k: v for k, v in answer.headers if k.lower() not in DROPPED_HEADERS}
    if answer.status in fetch.REDIRECT_STATUSES or answer.status == 304:
        await route.abort("failed")  # the guarded client followed the redirects it allows
        return
    await route.fulfill(status=answer.status, headers=headers, body=answer.body or b"")
