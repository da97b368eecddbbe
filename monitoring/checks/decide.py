"""Step 3 of a check: what one fetch means for its source. Pure: no queries, no I/O
(text extraction aside), so the tests pass the clock and the fetch result in."""

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from claims.models import ClaimEvent
from sources import changes, feedlinks, fetch, origins, render
from sources.models import LAST_ERROR_MAX, CheckAttempt, Snapshot, Source

from .. import schedule
from .fetching import Fetched

Kind = ClaimEvent.Kind
Outcome = CheckAttempt.Outcome
State = Source.State

EVENT_FOR_CHANGE = {
    changes.EDITED: Kind.SOURCE_CHANGED,
    changes.HEADLINE: Kind.SOURCE_HEADLINE_CHANGED,
    changes.CORRECTION: Kind.SOURCE_CORRECTION,
    changes.RETRACTION: Kind.SOURCE_RETRACTION,
    # changes.REREAD: none (the same article read better)
}
PERMANENT_REDIRECTS = (301, 308)
TRANSIENT_FAILURES = ("timeout", "connection")
# A redirect to a page sharing less than this much wording is a different article.
SAME_ARTICLE = 0.5


@dataclass
class Decision:
    """What one check of one source comes to."""

    source: Source
    outcome: str
    http_status: int | None
    duration_ms: int
    started_at: datetime
    error: str = ""
    change_kind: str = ""
    retry: bool = False
    fields: dict = field(default_factory=dict)  # plain updates
    snapshot: changes.Extracted | None = None  # new content to store
    fingerprint: origins.Fingerprint | None = None  # of the new snapshot (sources.origins)
    feed_links: list[tuple[str, str]] = field(default_factory=list)  # the page's feeds
    events: list[tuple[str, dict]] = field(default_factory=list)
    previous_snapshot: Snapshot | None = None
    result: fetch.FetchResult | None = None  # the exchange, captured with a snapshot
    # The page did not change, but its source has no capture since it was last linked
    # (Source.needs_capture, set by load_batch): the exchange is captured all the same.
    capture_unchanged: bool = False
    # How the page was read when it was not plain (CheckAttempt.notes).
    notes: list[str] = field(default_factory=list)

    @property
    def transition(self) -> bool:
        return bool(self.snapshot or self.events or "state" in self.fields)

    @property
    def failed(self) -> bool:
        return self.outcome in CheckAttempt.FAILED


def decide(
    source: Source,
    fetched: Fetched,
    *,
    now: datetime,
    attempt: int = 0,
    previous: Snapshot | None = None,
) -> Decision:
    """What a fetch means for `source`: outcome, state, events, next check.

    `previous` is the latest snapshot, needed only when the content changed (the
    caller loads it lazily through `previous` being None and `content_hash` set).
    """
    d = Decision(
        source=source,
        outcome=Outcome.UNCHANGED,
        http_status=None,
        duration_ms=fetched.duration_ms,
        started_at=fetched.started_at,
        previous_snapshot=previous,
        result=fetched.result,
    )
    closed = getattr(source, "claims_closed_at", None)
    failures = 0
    error = fetched.error
    result = fetched.result
    if isinstance(error, fetch.FetchBlocked):
        d.outcome, d.error = Outcome.BLOCKED, error.reason
        if source.state != State.BLOCKED:
            d.fields["state"] = State.BLOCKED
            d.events.append((Kind.SOURCE_BLOCKED, {"reason": error.reason}))
    elif error is not None:
        kind = getattr(error, "kind", "error")
        d.outcome = Outcome.TIMEOUT if kind == "timeout" else Outcome.ERROR
        # Plain words (sources.fetch.REASONS); a render's or a bug's own text otherwise.
        d.error = getattr(error, "reason", "") or str(error) or kind
        d.retry = kind in TRANSIENT_FAILURES
    elif result.status == 304:
        d.outcome, d.http_status = Outcome.NOT_MODIFIED, 304
        _back(source, d)
        _moved(source, result, d)  # the same content at a new address
    elif result.status in (404, 410):
        d.outcome, d.http_status = Outcome.GONE, result.status
        if source.state != State.GONE:
            d.fields["state"] = State.GONE
            d.events.append((Kind.SOURCE_GONE, {"http_status": result.status}))
    elif result.status >= 500:
        d.outcome, d.http_status = Outcome.ERROR, result.status
        d.error = f"HTTP {result.status}"
        d.retry = True
    elif result.status >= 400 or result.status < 200 or result.status >= 300:
        d.outcome, d.http_status = Outcome.ERROR, result.status
        d.error = f"HTTP {result.status}"
    else:
        d.http_status = result.status
        _content(source, result, d, rendered=fetched.rendered)

    d.capture_unchanged = (
        d.snapshot is None
        and error is None
        and result.body is not None
        and 200 <= result.status < 300
        and getattr(source, "needs_capture", False)
    )
    if d.failed:
        if d.retry and attempt < settings.MONITOR_RETRIES:
            return d  # retried soon; the failure counts when the last try fails
        d.retry = False
        failures = source.consecutive_failures + 1
        d.fields["consecutive_failures"] = failures
        d.fields["last_error"] = d.error[:LAST_ERROR_MAX]
        if (
            d.outcome != Outcome.BLOCKED
            # The page answered; only the browser failed on it: not an outage.
            and not isinstance(error, render.RenderFailed)
            and failures >= settings.MONITOR_UNREACHABLE_AFTER
            and source.state not in (State.UNREACHABLE, State.BLOCKED)
        ):
            d.fields["state"] = State.UNREACHABLE
            d.events.append(
                (Kind.SOURCE_UNREACHABLE, {"failures": failures, "error": d.error[:500]})
            )
        if d.outcome == Outcome.BLOCKED:
            failures = 0  # a blocked source waits a week, not a backoff
    else:
        d.fields["consecutive_failures"] = 0
        d.fields["last_error"] = ""
    if d.http_status is not None:
        d.fields["http_status"] = d.http_status
    d.fields["last_checked_at"] = now
    scheduled = Source(
        state=d.fields.get("state", source.state),
        created_at=source.created_at,
        last_changed_at=now if d.change_kind else source.last_changed_at,
    )
    d.fields["next_check_at"] = schedule.next_check_at(
        scheduled,
        now=now,
        changed=d.change_kind not in ("", changes.FIRST, changes.REREAD),
        failures=failures,
        claims_closed_at=closed,
    )
    return d


def _back(source: Source, d: Decision) -> None:
    if source.state in (State.GONE, State.UNREACHABLE, State.BLOCKED):
        d.fields["state"] = State.LIVE
        d.events.append(
            (
                Kind.SOURCE_BACK,
                {"before": {"state": source.state}, "after": {"state": State.LIVE}},
            )
        )
    elif source.state == State.NEW:
        d.fields["state"] = State.LIVE


def _permanent_redirect(source: Source, result: fetch.FetchResult) -> bool:
    return (
        bool(result.redirects)
        and result.url != source.url
        and all(status in PERMANENT_REDIRECTS for status, _ in result.redirects)
    )


def _moved(source: Source, result: fetch.FetchResult, d: Decision) -> bool:
    """A permanent redirect: the source moved (an event, unless it redirected from the
    start: a link that always redirected moved nothing)."""
    if not _permanent_redirect(source, result):
        return False
    if source.state != State.MOVED or source.moved_to != result.url:
        d.fields["state"] = State.MOVED
        d.fields["moved_to"] = result.url[:2048]
        if source.state != State.NEW:
            d.outcome = Outcome.MOVED
            status = result.redirects[0][0]
            d.events.append(
                (
                    Kind.SOURCE_MOVED,
                    {
                        "location": result.url,
                        "http_status": status,
                        "before": {"url": source.moved_to or source.url},
                        "after": {"url": result.url},
                    },
                )
            )
    return True


def _notes(result: fetch.FetchResult, new: changes.Extracted | None) -> list[str]:
    """What the check had to do to read the page, in the words the source page shows."""
    notes = []
    if result.truncated:
        notes.append(f"truncated at {_megabytes(result.body_bytes)}")
    if result.replacements:
        notes.append(f"{result.replacements} replacement characters ({result.encoding})")
    if new is not None:
        if new.read_from == "structured_data":
            notes.append("text from the page's structured data")
        elif new.read_from == "browser":
            notes.append("rendered in a browser")
        if new.scripted and new.read_from == "page":
            notes.append("the page builds its text with scripts")
        if new.paywalled:
            notes.append("paywall prompt left out")
    return notes


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"


def _before(previous: Snapshot | None) -> changes.Extracted | None:
    if previous is None:
        return None
    return changes.Extracted(
        previous.title,
        previous.text,
        language=previous.language,
        read_from=previous.read_from,
        paywalled=previous.paywalled,
        replacements=previous.replacements,
    )


def _content(
    source: Source, result: fetch.FetchResult, d: Decision, *, rendered: str | None = None
) -> None:
    """A 2xx answer: moved? redirected to another article? changed?"""
    d.fields["etag"] = (result.etag or "")[:500]
    d.fields["last_modified"] = (result.last_modified or "")[:100]
    d.fields["body_hash"] = result.body_hash
    redirected = bool(result.redirects) and result.url != source.url
    permanent = _permanent_redirect(source, result)
    same_bytes = result.body_hash == source.body_hash and source.content_hash
    if not redirected and same_bytes and rendered is None:
        _back(source, d)
        if source.state == State.MOVED:  # answering at its own address again
            d.fields["state"], d.fields["moved_to"] = State.LIVE, ""
        d.notes = _notes(result, None)
        return  # the very same bytes: nothing to extract
    if rendered is not None:
        new = changes.extract(rendered, url=result.url, content_type="text/html")
        new = dataclasses.replace(new, read_from="browser")
    else:
        new = changes.extract(
            result.text,
            url=result.url,
            content_type=result.content_type,
            replacements=result.replacements,
        )
    if not result.text:
        # Not text we read (PDF, image...): the body hash is its content.
        new = changes.Extracted(source.title, f"[{result.content_type}] {result.body_hash}")
    d.notes = _notes(result, new)
    # `scripted` says what the page is as it is sent; a rendered read does not change it
    # (else the source page would stop offering the browser it is read through).
    if rendered is None and new.scripted != source.scripted:
        d.fields["scripted"] = new.scripted
    previous = d.previous_snapshot
    before = _before(previous)
    if redirected and before is not None and changes.similarity(before, new) < SAME_ARTICLE:
        d.outcome = Outcome.CHANGED
        d.change_kind = changes.RETRACTION
        d.snapshot = new
        d.fingerprint = _fingerprint(new, result, d)
        d.events.append(
            (
                Kind.SOURCE_RETRACTION,
                {
                    "reason": "redirects to a different article",
                    "location": result.url,
                    "before": {"url": source.url, "title": before.title},
                    "after": {"url": result.url, "title": new.title},
                },
            )
        )
        if permanent:
            d.fields["moved_to"] = result.url[:2048]
            d.fields["state"] = State.MOVED
        elif source.state != State.LIVE:
            d.fields["state"] = State.LIVE
        return
    if not _moved(source, result, d):
        _back(source, d)
        if source.state == State.MOVED:
            d.fields["state"] = State.LIVE
            d.fields["moved_to"] = ""
    kind, notice = changes.classify(before, new)
    if before is None and source.content_hash == new.content_hash:
        kind = ""  # no snapshot kept, yet the hash is known: unchanged
    if kind == changes.PAYWALLED:
        # A snippet of the text we have, behind a paywall prompt: the outlet changed
        # nothing we can see; the full text stays the snapshot.
        if d.outcome != Outcome.MOVED:
            d.outcome = Outcome.PAYWALLED
        return
    if not kind:
        return
    d.change_kind = kind
    d.snapshot = new
    if d.outcome != Outcome.MOVED:
        d.outcome = {changes.FIRST: Outcome.FIRST, changes.REREAD: Outcome.UNCHANGED}.get(
            kind, Outcome.CHANGED
        )
    if kind == changes.REREAD:
        d.notes.append("read again: the same article, read better")
    d.fingerprint = _fingerprint(new, result, d)
    if kind in (changes.FIRST, changes.REREAD):
        return
    payload = _before_after(before, new)
    if notice is not None:
        # The sentence the event rests on, and the table's wording that matched it.
        payload["notice"] = notice.sentence
        payload["notice_kind"] = notice.kind
        payload["notice_wording"] = notice.wording
        payload["notice_language"] = notice.language
    if new.language:
        payload["language"] = new.language
    d.events.append((EVENT_FOR_CHANGE[kind], payload))


def _fingerprint(
    new: changes.Extracted, result: fetch.FetchResult, d: Decision
) -> origins.Fingerprint:
    """Where the new snapshot comes from: its text, and the page's canonical link and links;
    and the feeds the page announces, which discovery will poll (sources.feedlinks)."""
    html = result.text if result.content_type in ("text/html", "application/xhtml+xml") else ""
    d.feed_links = feedlinks.feed_links(html or "", url=result.url)
    return origins.fingerprint(
        text=new.text or new.title,
        html=html or "",
        url=result.url,
        # Normalised once for the content hash and the shingles both.
        normalised=new.normalised_text if new.text else None,
    )


def _before_after(before: changes.Extracted, after: changes.Extracted) -> dict:
    """A change as the timeline shows it: `before`/`after` with the headline when it
    changed and the sentences removed and added (the word diff is on the source page)."""
    was, now = {}, {}
    if changes.headline_changed(before.title, after.title):
        was["title"], now["title"] = before.title, after.title
    # The text starts with the headline: a new headline alone is told by `title` only.
    diff = changes.diff_summary(before.body, after.body)
    if diff["removed"] or diff["added"]:
        was["text"], now["text"] = diff["removed"], diff["added"]
    return {"before": was, "after": now}
