import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

# How much people may type, in characters (and how many tags). One number each: the forms,
# the API, the import and the services all check these, and over a limit is an error that
# keeps what was typed: nothing is ever cut short.
STATEMENT_MAX = 1000
CONTEXT_MAX = 10_000
TAG_MAX = 50
TAGS_MAX = 20
QUOTE_MAX = 5_000
NOTE_MAX = 5_000
COMMENT_MAX = 5_000
RATIONALE_MAX = 10_000
REASON_MAX = 500
# Who made a claim, as ClaimReview's itemReviewed.author names them.
CLAIMANT_MAX = 200
ORIGIN_REASON_MAX = 300


class Tag(models.Model):
    name = models.CharField(max_length=TAG_MAX, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="tag_name_not_empty"),
        ]

    def __str__(self):
        return self.name


class ClaimStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    CONFIRMED = "confirmed", "Confirmed"
    DENIED = "denied", "Denied"
    DISPUTED = "disputed", "Disputed"
    UNRESOLVED = "unresolved", "Unresolved"


class ClaimConfidence(models.TextChoices):
    NONE = "", "Not stated"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# Claims that are not merged duplicates: what every list shows.
LIVE = Q(merged_into__isnull=True)


class Claim(models.Model):
    Status = ClaimStatus
    Confidence = ClaimConfidence

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    statement = models.TextField()
    context = models.TextField(blank=True)
    # Who made the claim: an outlet, a person, "Turkish media" (ClaimReview's author).
    claimant = models.CharField(max_length=CLAIMANT_MAX, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNVERIFIED)
    rationale = models.TextField(blank=True)
    confidence = models.CharField(
        max_length=8, choices=Confidence.choices, default=Confidence.NONE, blank=True
    )
    verdict_at = models.DateTimeField(null=True, blank=True)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    first_seen_at = models.DateTimeField(null=True, blank=True)
    resolves_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a claim about a future event can be decided.",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Bumped by every timeline event, for "most recently active" sorting.
    last_activity_at = models.DateTimeField(default=timezone.now)
    # Optimistic locking: every edit and verdict names the version it started from.
    version = models.PositiveIntegerField(default=1)
    merged_into = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="merged_claims"
    )
    # The claim's id in the spreadsheet or tracker it was imported from, so that a
    # re-import finds it instead of creating a duplicate (intake.imports).
    external_id = models.CharField(max_length=200, blank=True)
    # A claim with a timeline is never deleted: it is withdrawn (hidden from lists, its
    # page and record kept) with a `withdrawn` event (claims.services.claim_withdraw).
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The end of the timeline's hash chain (claims.chain), written with every event:
    # a missing last event breaks no link, so only these reveal it.
    timeline_head = models.CharField(max_length=64, blank=True, editable=False)
    timeline_length = models.PositiveIntegerField(default=0, editable=False)
    # Set while the claim is published: its public page /p/<code>/ answers without a login
    # (publishing.public). Only a decided claim can be published (publishing.services).
    published_at = models.DateTimeField(null=True, blank=True)
    # Kept right by claims.services (claims_recount) whenever evidence is added, changed,
    # reviewed, flagged, moved or removed, so that lists never count evidence per row.
    supports_count = models.PositiveIntegerField(default=0, editable=False)
    denies_count = models.PositiveIntegerField(default=0, editable=False)
    neutral_count = models.PositiveIntegerField(default=0, editable=False)
    source_count = models.PositiveIntegerField(default=0, editable=False)
    review_count = models.PositiveIntegerField(default=0, editable=False)
    # Statement, context and evidence quotes, for full-text search (PostgreSQL; NULL on
    # SQLite, where search falls back to icontains). Written by claims.services; its GIN
    # index, claim_search_idx, is made by migration 0005 on PostgreSQL only.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("set_verdict", "Can set the verdict of a claim"),
            ("merge_claim", "Can merge a duplicate claim into another"),
            ("comment_claim", "Can comment on a claim's timeline"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ClaimStatus]),
                name="claim_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=[c.value for c in ClaimConfidence]),
                name="claim_confidence_valid",
            ),
            models.CheckConstraint(condition=~Q(statement=""), name="claim_statement_not_empty"),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")),
                name="claim_not_merged_into_itself",
            ),
            # Import matching: Claim.objects.filter(external_id__in=ids) (intake.imports).
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="claim_external_id_unique",
            ),
        ]
        indexes = [
            # Public index and feed: Claim.objects.filter(published_at__isnull=False)
            #   .order_by("-published_at") (publishing.public.published_claims).
            models.Index(
                fields=["-published_at"],
                name="claim_published_idx",
                condition=Q(published_at__isnull=False),
            ),
            # Claim list, one index per sort (claims.selectors.SORTS), merged left out.
            models.Index(fields=["-created_at", "-id"], name="claim_newest_idx", condition=LIVE),
            models.Index(
                fields=["-last_activity_at", "-id"], name="claim_activity_idx", condition=LIVE
            ),
            models.Index(
                fields=["-source_count", "-last_activity_at", "-id"],
                name="claim_sources_idx",
                condition=LIVE,
            ),
            # ?status=denied, newest first
            models.Index(
                fields=["status", "-created_at", "-id"], name="claim_status_idx", condition=LIVE
            ),
            # ?needs_review=on
            models.Index(
                fields=["-created_at", "-id"],
                name="claim_review_idx",
                condition=LIVE & Q(review_count__gt=0),
            ),
            # Review queue: Claim.objects.filter(status="unverified", resolves_at__lte=now)
            models.Index(
                fields=["resolves_at"],
                name="claim_resolves_open_idx",
                condition=Q(status="unverified", resolves_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.statement[:80]

    def get_absolute_url(self):
        return reverse("claims:detail", args=[self.code])

    def site_url(self, base_url: str = "") -> str:
        """The claim page's absolute URL: on `base_url` (the request's), else SITE_URL."""
        return (base_url or settings.SITE_URL).rstrip("/") + self.get_absolute_url()

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def has_verdict(self) -> bool:
        return self.status != self.Status.UNVERIFIED

    def timeline_claim_ids(self) -> list[int]:
        """This claim's id and those of the duplicates merged into it (from the prefetch
        of claims.selectors.claim_for_page when the claim was read with it)."""
        return [self.pk, *(duplicate.pk for duplicate in self.merged_claims.all())]

    def timeline(self) -> models.QuerySet["ClaimEvent"]:
        """The events this claim's page shows: its own and those of the duplicates merged
        into it (events never move between claims: the database refuses the UPDATE).

        The ids are read first: `claim_id IN (...)` finds the events through
        claimevent_timeline_idx, where `claim_id = X OR claim.merged_into_id = X` across
        a join made PostgreSQL scan every event of every claim."""
        return ClaimEvent.objects.filter(claim_id__in=self.timeline_claim_ids())


class EvidenceStance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    DENIES = "denies", "Denies"
    NEUTRAL = "neutral", "Neutral"


class Origin(models.Model):
    """A group of a claim's sources that repeat one report (claims.origins).

    `key` names what the group formed around: "ev:<evidence id>" (the first report),
    "name:<name>|<stance>" (an agency or outlet the sources cite but the claim does
    not), "url:<canonical>", or "manual:<code>" for a group an analyst made, which the
    automatic grouping leaves alone."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim = models.ForeignKey(Claim, models.CASCADE, related_name="origins")
    key = models.CharField(max_length=300)
    label = models.CharField(max_length=300, blank=True)
    manual = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "key"], name="origin_key_per_claim"),
        ]

    def __str__(self):
        return self.label or self.key


class Evidence(models.Model):
    """A claim linked to a source, with the source's stance toward the claim."""

    Stance = EvidenceStance

    claim = models.ForeignKey(Claim, models.CASCADE, related_name="evidence")
    source = models.ForeignKey("sources.Source", models.PROTECT, related_name="evidence")
    stance = models.CharField(max_length=8, choices=Stance.choices)
    quote = models.TextField(blank=True)
    # A quote can be kept off the public page (e.g. from an off-the-record source).
    # Notes are always internal: the public page never shows them.
    quote_internal = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    added_at = models.DateTimeField(default=timezone.now)
    # Set when the source changed after it was linked; cleared when someone reviews it.
    needs_review = models.BooleanField(default=False)
    # The snapshot the stance was given for: the source's latest when it was linked (or its
    # first, stored by the first check, when it had none), and the latest again when a
    # reviewer restances or marks it reviewed (claims.services). Every surface shows its
    # headline, and the current one beside it when the source changed since.
    # PROTECT: it is what a published stance rests on; snapshots are never deleted, and
    # one that were would silently turn a judgement of a text into one of nothing.
    judged_snapshot = models.ForeignKey(
        "sources.Snapshot", models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Which report this source repeats (claims.origins); none until its source is checked,
    # and then it counts as an origin of its own.
    origin = models.ForeignKey(
        Origin, models.SET_NULL, null=True, blank=True, related_name="evidence"
    )
    origin_reason = models.CharField(max_length=ORIGIN_REASON_MAX, blank=True)
    # Put in its origin by an analyst (split or join): the automatic grouping leaves it.
    origin_pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["added_at"]
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(fields=["claim", "source"], name="evidence_one_per_source"),
            models.CheckConstraint(
                condition=Q(stance__in=[s.value for s in EvidenceStance]),
                name="evidence_stance_valid",
            ),
        ]
        indexes = [
            # Review queue: Evidence.objects.filter(needs_review=True)
            models.Index(
                fields=["added_at"],
                name="evidence_needs_review_idx",
                condition=Q(needs_review=True),
            ),
        ]

    def __str__(self):
        return f"{self.get_stance_display()}: {self.source}"

    @property
    def title_when_linked(self) -> str:
        """The headline the stance was given for: the judged snapshot's, else (a source
        not fetched yet) the title typed or imported with the link."""
        snapshot = self.judged_snapshot
        return (snapshot.title if snapshot is not None else "") or self.source.title

    @property
    def changed_since_judged(self) -> bool:
        """The source has a newer snapshot than the one judged (needs claims.selectors'
        `with_snapshots`, which reads the current one in the same query)."""
        current = getattr(self, "current_snapshot_id", None)
        return (
            current is not None
            and self.judged_snapshot_id is not None
            and current != self.judged_snapshot_id
        )

    @property
    def diff_query(self) -> str:
        """The source page's query comparing the judged snapshot with the current one."""
        if not self.changed_since_judged:
            return ""
        return f"?old={self.judged_snapshot_id}&new={self.current_snapshot_id}"


class EventKind(models.TextChoices):
    CREATED = "created", "Claim logged"
    EDITED = "edited", "Claim edited"
    EVIDENCE_ADDED = "evidence_added", "Source linked"
    EVIDENCE_REMOVED = "evidence_removed", "Source removed"
    EVIDENCE_RESTANCED = "evidence_restanced", "Stance changed"
    EVIDENCE_EDITED = "evidence_edited", "Quote or note edited"
    EVIDENCE_REVIEWED = "evidence_reviewed", "Evidence reviewed"
    EVIDENCE_JUDGED = "evidence_judged", "First copy of a source kept"
    VERDICT_SET = "verdict_set", "Verdict set"
    COMMENT = "comment", "Comment"
    MERGED = "merged", "Duplicate merged"
    WITHDRAWN = "withdrawn", "Claim withdrawn"
    SOURCE_CHANGED = "source_changed", "Source edited"
    SOURCE_HEADLINE_CHANGED = "source_headline_changed", "Source headline changed"
    SOURCE_CORRECTION = "source_correction", "Correction notice on source"
    SOURCE_RETRACTION = "source_retraction", "Retraction notice on source"
    SOURCE_GONE = "source_gone", "Source gone"
    SOURCE_MOVED = "source_moved", "Source moved"
    SOURCE_BACK = "source_back", "Source back"
    SOURCE_UNREACHABLE = "source_unreachable", "Source unreachable"
    SOURCE_BLOCKED = "source_blocked", "Source blocked"
    ORIGIN_SPLIT = "origin_split", "Source split from its origin"
    ORIGIN_JOINED = "origin_joined", "Origins joined"
    ASSIGNED = "assigned", "Assigned"
    UNASSIGNED = "unassigned", "Assignment removed"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


class ClaimEvent(models.Model):
    """The append-only timeline of a claim. Written only by services.

    The database refuses UPDATE and DELETE on this table (triggers of migration 0006),
    so the foreign keys PROTECT: deleting a claim, a user or a source that the record
    names is refused up front instead of failing in the trigger. Each event is a link
    of its claim's hash chain (claims.chain): `seq` counts from 1, `prev_hash` is the
    previous event's `hash`.
    """

    Kind = EventKind

    SOURCE_KINDS = frozenset(k for k in EventKind if k.value.startswith("source_"))
    # Source events that change what a source says: the evidence is looked at again.
    REVIEW_KINDS = SOURCE_KINDS - {
        EventKind.SOURCE_BACK,
        EventKind.SOURCE_UNREACHABLE,
        EventKind.SOURCE_BLOCKED,
    }

    claim = models.ForeignKey(Claim, models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict, blank=True)
    # The source an event is about (source events and evidence events), for filtering.
    source = models.ForeignKey(
        "sources.Source", models.PROTECT, null=True, blank=True, related_name="+"
    )
    seq = models.PositiveIntegerField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in EventKind]),
                name="claimevent_kind_valid",
            ),
            # Two writers that raced past the claim's row lock would fork the chain.
            models.UniqueConstraint(fields=["claim", "seq"], name="claimevent_one_per_seq"),
        ]
        indexes = [
            # Timeline: claim.events.order_by("-created_at", "-id")
            models.Index(fields=["claim", "-created_at", "-id"], name="claimevent_timeline_idx"),
            # Feeds of all changes: ClaimEvent.objects.filter(kind__in=...).order_by("-created_at")
            models.Index(fields=["-created_at"], name="claimevent_recent_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} @ {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Timeline events are append-only; they are never edited.")
        super().save(*args, **kwargs)

    @property
    def is_source_event(self) -> bool:
        return self.kind in self.SOURCE_KINDS
