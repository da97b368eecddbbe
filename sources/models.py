import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

# The longest URL and typed title a source takes, checked by the forms, the API and the
# services alike (a longer one is refused with a message, never cut).
URL_MAX = 2048
TITLE_MAX = 500
# The reason of the last failed check, as the source's badge and page show it.
LAST_ERROR_MAX = 500


class OutletKind(models.TextChoices):
    OFFICIAL = "official", "Official"
    WIRE = "wire", "Wire agency"
    NEWS = "news", "News media"
    SOCIAL = "social", "Social media"
    RESEARCH = "research", "Research / NGO"
    OTHER = "other", "Other"


class OutletReliability(models.TextChoices):
    # The Admiralty (NATO) source reliability scale.
    A = "A", "A: completely reliable"
    B = "B", "B: usually reliable"
    C = "C", "C: fairly reliable"
    D = "D", "D: not usually reliable"
    E = "E", "E: unreliable"
    F = "F", "F: reliability cannot be judged"


class Outlet(models.Model):
    """Who publishes: matched to sources by domain."""

    Kind = OutletKind
    Reliability = OutletReliability

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="Lower-case host name without 'www.', e.g. mofa.gov.pk.",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    country = models.CharField(max_length=100, blank=True)
    reliability = models.CharField(max_length=1, choices=Reliability.choices, default=Reliability.F)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in OutletKind]),
                name="outlet_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(reliability__in=[r.value for r in OutletReliability]),
                name="outlet_reliability_valid",
            ),
            models.CheckConstraint(condition=~Q(domain=""), name="outlet_domain_not_empty"),
        ]
        # The outlets list: Outlet.objects.order_by("name", "id") (sources.selectors).
        indexes = [models.Index(fields=["name", "id"], name="outlet_name_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sources:outlet_detail", args=[self.code])


RECENT = timedelta(days=7)
# A badge polls a pending check this long at most (the dispatcher's lease is 15 minutes).
PENDING_FOR = timedelta(minutes=15)


class SourceState(models.TextChoices):
    NEW = "new", "New"
    LIVE = "live", "Live"
    GONE = "gone", "Gone"
    MOVED = "moved", "Moved"
    UNREACHABLE = "unreachable", "Unreachable"
    BLOCKED = "blocked", "Blocked"


class Source(models.Model):
    """One document at one URL, and the state of its monitoring."""

    State = SourceState

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    url = models.URLField(
        max_length=URL_MAX, unique=True, help_text="Normalised: see sources.urlnorm."
    )
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    outlet = models.ForeignKey(
        Outlet, models.SET_NULL, null=True, blank=True, related_name="sources"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Monitoring state, written by monitoring (its services and checks) only.
    state = models.CharField(max_length=16, choices=State.choices, default=State.NEW)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    last_changed_at = models.DateTimeField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    # sha256 of the raw body last seen: an identical body skips text extraction.
    body_hash = models.CharField(max_length=64, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # Why the last check failed (DNS, connection, HTTP status, the guard); "" once one works.
    last_error = models.CharField(max_length=LAST_ERROR_MAX, blank=True)
    moved_to = models.URLField(max_length=2048, blank=True)
    # Set by "Refresh now", cleared by the next finished check: the badge polls meanwhile.
    check_requested_at = models.DateTimeField(null=True, blank=True)
    # The last check found a page that builds its text with scripts (sources.pages).
    scripted = models.BooleanField(default=False)
    # Opt-in: read the page through headless Chromium (sources.render), for scripted pages.
    render = models.BooleanField(
        default=False, help_text="Read this page through a headless browser (slower)."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in SourceState]),
                name="source_state_valid",
            ),
        ]
        indexes = [
            # The dispatcher: Source.objects.filter(next_check_at__lte=now)
            #   .order_by("next_check_at") (monitoring.services.sources_claim_due).
            models.Index(
                fields=["next_check_at"],
                name="source_due_idx",
                condition=Q(next_check_at__isnull=False),
            ),
            # The sources list, newest first (sources.selectors.source_list).
            models.Index(fields=["-created_at", "-id"], name="source_newest_idx"),
            # Filtered by state, newest first.
            models.Index(fields=["state", "-created_at", "-id"], name="source_state_idx"),
        ]

    def __str__(self):
        return self.title or self.url

    def get_absolute_url(self):
        return reverse("sources:detail", args=[self.code])

    @property
    def recently_changed(self) -> bool:
        """Changed in the last week: the badge says so."""
        return bool(self.last_changed_at) and timezone.now() - self.last_changed_at < RECENT

    @property
    def failing(self) -> bool:
        """The last check failed (or the guard refused it): the badge says why."""
        return bool(self.last_error) and (
            self.consecutive_failures > 0 or self.state == SourceState.BLOCKED
        )

    @property
    def next_check_due(self) -> bool:
        return self.next_check_at is not None and self.next_check_at <= timezone.now()

    @property
    def unscheduled(self) -> bool:
        """Never checked and not due: imported without checks, waiting to be asked."""
        return self.next_check_at is None and self.last_checked_at is None

    @property
    def check_pending(self) -> bool:
        """A check was asked for (a new source, or "Refresh now") and has not finished. A
        source imported without checks was asked for nothing: it is not scheduled.

        Only for PENDING_FOR: pages stop polling a check that no worker is doing."""
        if self.check_requested_at is not None:
            asked = self.check_requested_at
        elif self.last_checked_at is None and not self.unscheduled:
            asked = self.created_at
        else:
            return False
        return timezone.now() - asked < PENDING_FOR


class ChangeKind(models.TextChoices):
    """What a stored snapshot changed (sources.changes.classify); monitoring maps each to the
    timeline event it writes."""

    FIRST = "first", "First capture"
    EDITED = "edited", "Edited"
    HEADLINE = "headline", "Headline changed"
    CORRECTION = "correction", "Correction notice"
    RETRACTION = "retraction", "Retraction notice"
    # The same article read better (a right charset, the full text after a paywalled
    # snippet): stored, but no event, since the outlet changed nothing.
    REREAD = "reread", "Read again"


class ReadFrom(models.TextChoices):
    PAGE = "page", "the page"
    STRUCTURED_DATA = "structured_data", "the page's structured data (JSON-LD)"
    BROWSER = "browser", "the page rendered in a browser"


class Capture(models.Model):
    """One check's HTTP exchange, kept as the web archiving world keeps it.

    The exchange is a gzipped WARC file (a `request` record and a `response` record, or
    a `revisit` record when the same body is already stored) in the `captures` storage,
    named by the SHA-256 of its bytes (sources.captures). The database refuses UPDATE
    and DELETE on these rows (migration sources/0005), except setting `pruned_at` once: pruning
    deletes the stored file and keeps the row, whose hash the timeline still names.
    """

    sha256 = models.CharField(max_length=64, unique=True, help_text="Of the stored file.")
    size = models.PositiveIntegerField(help_text="Bytes of the stored file.")
    source = models.ForeignKey(Source, models.PROTECT, related_name="captures")
    url = models.URLField(max_length=2048, help_text="The final URL, after redirects.")
    fetched_at = models.DateTimeField()
    http_status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    payload_sha256 = models.CharField(max_length=64, help_text="Of the body.")
    payload_size = models.PositiveIntegerField()
    # A revisit record: the body is the one stored with this capture.
    revisit_of = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="revisits"
    )
    pruned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-fetched_at"]
        indexes = [
            # Dedup: Capture.objects.filter(payload_sha256=..., revisit_of=None,
            #   pruned_at=None) (sources.captures.captures_store).
            models.Index(
                fields=["payload_sha256"],
                name="capture_body_idx",
                condition=Q(revisit_of=None, pruned_at=None),
            ),
        ]

    def __str__(self):
        return f"{self.url} @ {self.fetched_at:%Y-%m-%d %H:%M}"

    @property
    def storage_name(self) -> str:
        return f"{self.sha256[:2]}/{self.sha256[2:4]}/{self.sha256}.warc.gz"

    @property
    def is_pruned(self) -> bool:
        return self.pruned_at is not None


class Snapshot(models.Model):
    """The extracted text and title of a source, stored each time its content changed,
    with the capture of the exchange it was extracted from (none before captures)."""

    ChangeKind = ChangeKind

    source = models.ForeignKey(Source, models.CASCADE, related_name="snapshots")
    created_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    change_kind = models.CharField(max_length=32, choices=ChangeKind.choices)
    capture = models.ForeignKey(
        Capture, models.PROTECT, null=True, blank=True, related_name="snapshots"
    )
    # The capture's hash as the snapshot was written: a row changed since would show.
    capture_sha256 = models.CharField(max_length=64, blank=True)
    # How the text was read (sources.pages): its language (ISO 639-1, py3langid), where
    # it came from, whether a paywall prompt stood in its way, and how many replacement
    # characters its decoding needed.
    language = models.CharField(max_length=16, blank=True)
    read_from = models.CharField(max_length=16, choices=ReadFrom.choices, default=ReadFrom.PAGE)
    paywalled = models.BooleanField(default=False)
    replacements = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(change_kind__in=[k.value for k in ChangeKind]),
                name="snapshot_change_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["source", "-created_at"])]

    def __str__(self):
        return f"{self.source} @ {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def language_name(self) -> str:
        """The language in English ("Turkish"), or "" when none was found."""
        return language_name(self.language)

    @property
    def body(self) -> str:
        return without_headline(self.title, self.text)


def without_headline(title: str, text: str) -> str:
    """The text without the headline it usually starts with (extraction keeps the page's
    headline as its first line), so what shows headline and text shows the headline once."""
    first, _, rest = text.partition("\n")
    if title and " ".join(first.split()) == " ".join(title.split()):
        return rest.lstrip("\n")
    return text


def language_name(code: str) -> str:
    if not code:
        return ""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code).get_display_name("en") or code
    except (ValueError, UnknownLocaleError):
        return code


class CheckOutcome(models.TextChoices):
    NOT_MODIFIED = "not_modified", "Not modified (304)"
    UNCHANGED = "unchanged", "Unchanged"
    FIRST = "first", "First capture"
    CHANGED = "changed", "Changed"
    GONE = "gone", "Gone"
    MOVED = "moved", "Moved"
    ERROR = "error", "Error"
    TIMEOUT = "timeout", "Timed out"
    BLOCKED = "blocked", "Blocked by the guard"
    # A snippet of the last full text behind a paywall prompt: no change, no event.
    PAYWALLED = "paywalled", "Paywalled (kept the last full text)"


# What a check had to do to read the page, as its notes say it.
NOTES_MAX = 300


class CheckAttempt(models.Model):
    """Every check of a source: outcome, status, duration and error. Pruned after a while."""

    Outcome = CheckOutcome
    # The outcomes that count as a failed attempt (the source page counts them in a row).
    FAILED = (CheckOutcome.BLOCKED, CheckOutcome.ERROR, CheckOutcome.TIMEOUT)

    source = models.ForeignKey(Source, models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    # "truncated at 5 MB", "12 replacement characters (windows-1251)", "read from the
    # page's structured data"...: how the page was read, when it was not plain.
    notes = models.CharField(max_length=NOTES_MAX, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=[o.value for o in CheckOutcome]),
                name="checkattempt_outcome_valid",
            ),
        ]
        indexes = [
            # Source page: source.attempts.order_by("-started_at")[:n]
            models.Index(fields=["source", "-started_at"]),
            # Pruning: CheckAttempt.objects.filter(started_at__lt=cutoff).delete()
            models.Index(fields=["started_at"]),
        ]

    def __str__(self):
        return f"{self.source_id} {self.outcome} @ {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def failed(self) -> bool:
        return self.outcome in self.FAILED


class SourceFingerprint(models.Model):
    """Where a source's latest snapshot comes from (sources.origins): its MinHash
    signature, who it says it reports, its canonical URL and links. One per source,
    replaced with each snapshot; a source never checked has none."""

    source = models.OneToOneField(Source, models.CASCADE, related_name="fingerprint")
    snapshot = models.ForeignKey(Snapshot, models.SET_NULL, null=True, blank=True, related_name="+")
    signature = models.BinaryField(blank=True, default=b"")
    names = models.JSONField(default=list, blank=True)
    canonical = models.URLField(max_length=URL_MAX, blank=True)
    links = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"fingerprint of {self.source_id}"


class SourceBand(models.Model):
    """One LSH band hash of a source's signature: sources sharing a (band, hash) are
    near-duplicate candidates (sources.selectors.near_duplicates), so a claim's sources are
    compared through their buckets, never all pairs and never a pass over all sources."""

    source = models.ForeignKey(Source, models.CASCADE, related_name="bands")
    band = models.PositiveSmallIntegerField()
    hash = models.BigIntegerField()

    class Meta:
        constraints = [
            # Also the index of SourceBand.objects.filter(source_id__in=ids)
            # (sources.selectors.near_duplicates).
            models.UniqueConstraint(fields=["source", "band"], name="sourceband_one_per_band"),
        ]

    def __str__(self):
        return f"{self.source_id} band {self.band}"


class FeedKind(models.TextChoices):
    RSS = "rss", "RSS"
    ATOM = "atom", "Atom"
    JSON = "json", "JSON Feed"
    SITEMAP = "sitemap", "News sitemap"


class FeedFoundBy(models.TextChoices):
    DISCOVERED = "discovered", "Found on a page of the outlet"
    EDITOR = "editor", "Added by an editor"


class Feed(models.Model):
    """One feed of an outlet (RSS, Atom, JSON Feed or news sitemap): a fact about the outlet,
    like its domain. Found in a page's <link rel="alternate"> when monitoring checks a source
    of the outlet, or added by an editor on the outlet page; polled by discovery."""

    Kind = FeedKind
    FoundBy = FeedFoundBy

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    outlet = models.ForeignKey(Outlet, models.CASCADE, related_name="feeds")
    url = models.URLField(
        max_length=URL_MAX, unique=True, help_text="Normalised (sources.urlnorm)."
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RSS)
    found_by = models.CharField(max_length=12, choices=FoundBy.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Polling state, written by discovery (its polling) only.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=LAST_ERROR_MAX, blank=True)

    class Meta:
        ordering = ["outlet", "url"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in FeedKind]), name="feed_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(found_by__in=[f.value for f in FeedFoundBy]),
                name="feed_found_by_valid",
            ),
        ]
        indexes = [
            # The feed dispatcher: Feed.objects.filter(next_poll_at__lte=now)
            #   .order_by("next_poll_at") (discovery.services.feeds_claim_due).
            models.Index(
                fields=["next_poll_at"],
                name="feed_due_idx",
                condition=Q(next_poll_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.url
