"""What the API reads and writes. Output serializers are read-only views of the models;
input serializers only parse: every write goes through the services (claims, sources,
monitoring, publishing)."""

from django.http import QueryDict
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import (
    CLAIMANT_MAX,
    COMMENT_MAX,
    CONTEXT_MAX,
    NOTE_MAX,
    QUOTE_MAX,
    RATIONALE_MAX,
    STATEMENT_MAX,
    TAG_MAX,
    TAGS_MAX,
    Claim,
    ClaimEvent,
    Evidence,
)
from claims.selectors import (
    SORTS,
    claim_evidence,
    claim_origins,
    origin_counts,
    outlet_record,
    outlet_record_by_quarter,
)
from desk.models import Assignment
from desk.selectors import claim_assignments
from publishing import selectors as publish_selectors
from publishing.exports import evidence_snapshots, public_path
from sources.models import TITLE_MAX, URL_MAX, Outlet, Snapshot, Source
from sources.urlnorm import HOST_NAME_INPUT, as_uri

# ---- output ----------------------------------------------------------------------


class OutletSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outlet
        fields = ["code", "name", "domain", "kind", "country", "reliability"]
        read_only_fields = fields


class RecordSerializer(serializers.Serializer):
    """How an outlet's stances fared against the verdicts (claims.records)."""

    agreed = serializers.IntegerField(help_text="Supports on confirmed or denies on denied claims.")
    disagreed = serializers.IntegerField(help_text="Supports on denied or denies on confirmed.")
    neutral = serializers.IntegerField(help_text="Neutral stances on decided claims.")
    decided = serializers.IntegerField(help_text="agreed + disagreed.")
    agreement = serializers.FloatField(allow_null=True, help_text="agreed / decided.")
    interval = serializers.ListField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text="95% Wilson score interval of the agreement, [low, high].",
    )


class RecordPeriodSerializer(RecordSerializer):
    period = serializers.CharField(help_text="The quarter the stances were taken, e.g. 2014 Q4.")


class OutletDetailSerializer(OutletSerializer):
    record = serializers.SerializerMethodField()
    record_by_quarter = serializers.SerializerMethodField()

    class Meta(OutletSerializer.Meta):
        fields = [*OutletSerializer.Meta.fields, "record", "record_by_quarter"]
        read_only_fields = fields

    @extend_schema_field(RecordSerializer)
    def get_record(self, outlet: Outlet) -> dict:
        return outlet_record(outlet).as_dict()

    @extend_schema_field(RecordPeriodSerializer(many=True))
    def get_record_by_quarter(self, outlet: Outlet) -> list:
        return [
            {"period": period, **record.as_dict()}
            for period, record in outlet_record_by_quarter(outlet)
        ]


class UriField(serializers.URLField):
    """A stored URL as the URI the schema promises (sources.urlnorm.as_uri)."""

    def to_representation(self, value):
        return as_uri(value)


class SourceBriefSerializer(serializers.ModelSerializer):
    outlet = OutletSerializer(read_only=True, allow_null=True)
    url = UriField(read_only=True)

    class Meta:
        model = Source
        fields = ["code", "url", "title", "state", "outlet", "published_at"]
        read_only_fields = fields


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Snapshot
        fields = ["created_at", "title", "content_hash", "http_status", "change_kind"]
        read_only_fields = fields


class SourceSerializer(SourceBriefSerializer):
    snapshots = SnapshotSerializer(
        source="snapshot_list", many=True, read_only=True, help_text="Newest first, without text."
    )
    moved_to = serializers.CharField(read_only=True, help_text="Where it moved; empty if not.")

    class Meta(SourceBriefSerializer.Meta):
        fields = [
            *SourceBriefSerializer.Meta.fields,
            "created_at",
            "last_checked_at",
            "next_check_at",
            "last_changed_at",
            "http_status",
            "consecutive_failures",
            "moved_to",
            "snapshots",
        ]
        read_only_fields = fields


class UsernameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="username", read_only=True, allow_null=True, **kwargs)


class EvidenceOriginSerializer(serializers.Serializer):
    code = serializers.UUIDField(allow_null=True)
    label = serializers.CharField()
    reason = serializers.CharField(help_text="Why this source is in this origin.")
    by_hand = serializers.BooleanField(help_text="Placed by an analyst (split or join).")


class EvidenceSnapshotSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="The headline of this version of the source.")
    taken_at = serializers.DateTimeField(help_text="When this version was stored.")
    capture = serializers.URLField(
        allow_null=True, help_text="The HTTP exchange it came from, as archived; null without one."
    )


class EvidenceSerializer(serializers.ModelSerializer):
    """Evidence loaded with claims.selectors.with_snapshots (the API's views do)."""

    source = SourceBriefSerializer(read_only=True)
    added_by = UsernameField()
    origin = serializers.SerializerMethodField()
    title_when_linked = serializers.CharField(
        read_only=True,
        help_text="The headline the stance was given for (the judged snapshot's, else the "
        "title given with the link).",
    )
    judged_snapshot = serializers.SerializerMethodField()
    current_snapshot = serializers.SerializerMethodField()
    changed_since_judged = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "source",
            "stance",
            "quote",
            "quote_internal",
            "note",
            "added_by",
            "added_at",
            "needs_review",
            "origin",
            "title_when_linked",
            "judged_snapshot",
            "current_snapshot",
            "changed_since_judged",
        ]
        read_only_fields = fields

    def _snapshots(self, evidence: Evidence) -> dict:
        request = self.context.get("request")
        base_url = request.build_absolute_uri("/") if request else ""
        return evidence_snapshots(evidence, base_url)

    @extend_schema_field(EvidenceSnapshotSerializer(allow_null=True))
    def get_judged_snapshot(self, evidence: Evidence) -> dict | None:
        """The version of the source the stance was given for; null before its first fetch."""
        return self._snapshots(evidence)["judged_snapshot"]

    @extend_schema_field(EvidenceSnapshotSerializer(allow_null=True))
    def get_current_snapshot(self, evidence: Evidence) -> dict | None:
        """The source's latest version; null before its first fetch."""
        return self._snapshots(evidence)["current_snapshot"]

    @extend_schema_field(serializers.BooleanField())
    def get_changed_since_judged(self, evidence: Evidence) -> bool:
        """The source has a newer version than the one judged (until a reviewer restances
        or marks it reviewed)."""
        return evidence.changed_since_judged

    @extend_schema_field(EvidenceOriginSerializer(allow_null=True))
    def get_origin(self, evidence: Evidence) -> dict | None:
        """None until the source is checked (it counts as an origin of its own)."""
        if not evidence.origin_id:
            return None
        return {
            "code": evidence.origin.code,
            "label": evidence.origin.label,
            "reason": evidence.origin_reason,
            "by_hand": evidence.origin_pinned,
        }


class StanceCountsSerializer(serializers.Serializer):
    supports = serializers.IntegerField()
    denies = serializers.IntegerField()
    neutral = serializers.IntegerField()


class OriginSerializer(serializers.Serializer):
    code = serializers.UUIDField(allow_null=True, help_text="None: a source not checked yet.")
    label = serializers.CharField()
    by_hand = serializers.BooleanField()
    sources = serializers.ListField(child=serializers.UUIDField(), help_text="Source codes.")
    stances = StanceCountsSerializer()


class ClaimSerializer(serializers.ModelSerializer):
    """A claim as the list shows it, with its stance counts."""

    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    supports_count = serializers.IntegerField(read_only=True)
    denies_count = serializers.IntegerField(read_only=True)
    neutral_count = serializers.IntegerField(read_only=True)
    source_count = serializers.IntegerField(read_only=True)
    review_count = serializers.IntegerField(read_only=True)
    supports_origins = serializers.IntegerField(
        read_only=True, help_text="Independent origins of the supporting sources."
    )
    denies_origins = serializers.IntegerField(read_only=True)
    neutral_origins = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "code",
            "url",
            "statement",
            "status",
            "confidence",
            "tags",
            "version",
            "created_at",
            "last_activity_at",
            "supports_count",
            "denies_count",
            "neutral_count",
            "source_count",
            "review_count",
            "supports_origins",
            "denies_origins",
            "neutral_origins",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, claim: Claim) -> str:
        path = reverse("api:claim_detail", args=[claim.code])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AssignmentSerializer(serializers.ModelSerializer):
    user = UsernameField()
    assigned_by = UsernameField()

    class Meta:
        model = Assignment
        fields = ["user", "due_at", "assigned_by", "assigned_at"]
        read_only_fields = fields


class ClaimDetailSerializer(serializers.ModelSerializer):
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    created_by = UsernameField()
    verdict_by = UsernameField()
    merged_into = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    evidence = serializers.SerializerMethodField()
    source_counts = serializers.SerializerMethodField()
    independent_origins = serializers.SerializerMethodField()
    origins = serializers.SerializerMethodField()
    published = serializers.BooleanField(source="is_published", read_only=True)
    public_url = serializers.SerializerMethodField()
    assignees = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "code",
            "statement",
            "context",
            "claimant",
            "status",
            "rationale",
            "confidence",
            "verdict_at",
            "verdict_by",
            "first_seen_at",
            "resolves_at",
            "tags",
            "external_id",
            "created_by",
            "created_at",
            "updated_at",
            "last_activity_at",
            "version",
            "merged_into",
            "published",
            "published_at",
            "public_url",
            "assignees",
            "evidence",
            "source_counts",
            "independent_origins",
            "origins",
        ]
        read_only_fields = fields

    def _evidence(self, claim: Claim) -> list[Evidence]:
        if not hasattr(claim, "_api_evidence"):
            claim._api_evidence = claim_evidence(claim)
        return claim._api_evidence

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, claim: Claim) -> list:
        return EvidenceSerializer(self._evidence(claim), many=True, context=self.context).data

    @extend_schema_field(StanceCountsSerializer)
    def get_source_counts(self, claim: Claim) -> dict:
        counts = {stance.value: 0 for stance in Evidence.Stance}
        for ev in self._evidence(claim):
            counts[ev.stance] += 1
        return counts

    @extend_schema_field(StanceCountsSerializer)
    def get_independent_origins(self, claim: Claim) -> dict:
        """Per stance, how many independent origins its sources come from."""
        return origin_counts(self._evidence(claim))

    @extend_schema_field(OriginSerializer(many=True))
    def get_origins(self, claim: Claim) -> list:
        return [
            {
                "code": group.origin.code if group.origin else None,
                "label": group.label,
                "by_hand": bool(group.origin and group.origin.manual),
                "sources": [ev.source.code for ev in group.evidence],
                "stances": group.stances,
            }
            for group in claim_origins(self._evidence(claim))
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_public_url(self, claim: Claim) -> str | None:
        if not claim.is_published:
            return None
        request = self.context.get("request")
        path = public_path(claim)
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(AssignmentSerializer(many=True))
    def get_assignees(self, claim: Claim) -> list:
        return AssignmentSerializer(claim_assignments(claim), many=True).data


class EventSerializer(serializers.ModelSerializer):
    actor = UsernameField()
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    source = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    payload = serializers.JSONField(read_only=True)

    class Meta:
        model = ClaimEvent
        fields = ["kind", "kind_display", "actor", "created_at", "source", "payload"]
        read_only_fields = fields


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class PublishItemSerializer(serializers.Serializer):
    """One source the publish check found (publishing.selectors.PublishItem)."""

    source = serializers.UUIDField(help_text="The source's code.")
    url = serializers.URLField()
    stance = serializers.ChoiceField(Evidence.Stance.choices)
    problems = serializers.ListField(child=serializers.ChoiceField(publish_selectors.PROBLEMS))
    wrong = serializers.CharField(help_text="What is wrong, in plain words.")
    headline_judged = serializers.CharField(help_text="The headline the stance was given for.")
    headline_now = serializers.CharField(help_text="The source's headline now.")


class PublishCheckSerializer(serializers.Serializer):
    detail = serializers.CharField()
    publish_check = PublishItemSerializer(
        many=True, help_text="Send the request again with `confirm: true` to publish anyway."
    )


# ---- input -------------------------------------------------------------------------


class JsonTyped:
    """An input field that takes only its own JSON type: DRF alone turns 0 into "0" or
    False, and 1 into a UUID, which the schema promises to refuse (400). A form body (still
    parsed for older scripts, though not described) has only strings: DRF reads those."""

    json_types: tuple[type, ...] = (str,)

    def to_internal_value(self, data):
        if not isinstance(self.root.initial_data, QueryDict) and (
            isinstance(data, bool) is not (bool in self.json_types)
            or not isinstance(data, self.json_types)
        ):
            self.fail("invalid")
        return super().to_internal_value(data)


class Text(JsonTyped, serializers.CharField):
    pass


class TextPattern(JsonTyped, serializers.RegexField):
    pass


class Flag(JsonTyped, serializers.BooleanField):
    json_types = (bool,)


class WholeNumber(JsonTyped, serializers.IntegerField):
    json_types = (int,)


class Code(JsonTyped, serializers.UUIDField):
    pass


class ClaimFilterSerializer(serializers.Serializer):
    """The list filters, the same as the web list's."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    status = serializers.ChoiceField(Claim.Status.choices, required=False, allow_blank=True)
    tag = serializers.CharField(required=False, allow_blank=True, max_length=TAG_MAX)
    outlet = serializers.CharField(
        required=False, allow_blank=True, max_length=253, help_text="Outlet code or domain."
    )
    needs_review = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(list(SORTS), required=False, default="newest")


class TimelineFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        [("source", "Every source event"), *ClaimEvent.Kind.choices],
        required=False,
        allow_blank=True,
        help_text="An event kind, or `source` for every source event.",
    )


class ClaimCreateSerializer(serializers.Serializer):
    statement = Text(max_length=STATEMENT_MAX)
    context = Text(required=False, allow_blank=True, default="", max_length=CONTEXT_MAX)
    claimant = Text(
        required=False,
        allow_blank=True,
        default="",
        max_length=CLAIMANT_MAX,
        help_text='Who made the claim: an outlet, a person, "Turkish media".',
    )
    tags = serializers.ListField(
        child=Text(max_length=TAG_MAX, allow_blank=True),
        required=False,
        default=list,
        max_length=TAGS_MAX,
    )
    first_seen_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    resolves_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ClaimUpdateSerializer(serializers.Serializer):
    version = WholeNumber(min_value=1, help_text="The version you read; a stale one gets 409.")
    statement = Text(required=False, max_length=STATEMENT_MAX)
    context = Text(required=False, allow_blank=True, max_length=CONTEXT_MAX)
    claimant = Text(required=False, allow_blank=True, max_length=CLAIMANT_MAX)
    tags = serializers.ListField(
        child=Text(max_length=TAG_MAX, allow_blank=True),
        required=False,
        max_length=TAGS_MAX,
    )
    first_seen_at = serializers.DateTimeField(required=False, allow_null=True)
    resolves_at = serializers.DateTimeField(required=False, allow_null=True)
    published = Flag(
        required=False,
        help_text="Publish (true) or unpublish (false) the claim's public page (editors).",
    )
    confirm = Flag(
        required=False,
        default=False,
        help_text="With `published: true`: publish even though the publish check found "
        "items (a 409 lists them); the items confirmed go on the claim's timeline.",
    )


class VerdictSerializer(serializers.Serializer):
    status = serializers.ChoiceField(Claim.Status.choices)
    rationale = Text(max_length=RATIONALE_MAX)
    confidence = serializers.ChoiceField(
        Claim.Confidence.choices, required=False, allow_blank=True, default=""
    )
    version = WholeNumber(min_value=1, help_text="The version you read; a stale one gets 409.")


class EvidenceCreateSerializer(serializers.Serializer):
    url = Text(max_length=URL_MAX)
    stance = serializers.ChoiceField(Evidence.Stance.choices)
    title = Text(required=False, allow_blank=True, max_length=TITLE_MAX, default="")
    quote = Text(required=False, allow_blank=True, default="", max_length=QUOTE_MAX)
    quote_internal = Flag(required=False, default=False)
    note = Text(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class EvidenceUpdateSerializer(serializers.Serializer):
    stance = serializers.ChoiceField(Evidence.Stance.choices, required=False)
    quote = Text(required=False, allow_blank=True, max_length=QUOTE_MAX)
    quote_internal = Flag(required=False)
    note = Text(required=False, allow_blank=True, max_length=NOTE_MAX)


class EvidenceRemoveSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        # Short enough that the request line fits gunicorn's 4,094 bytes even when every
        # character is a 4-byte one, percent-encoded (12 bytes): no 414 for a valid reason.
        max_length=300,
        help_text="Why the source is unlinked (shown on the timeline).",
    )


class OriginJoinSerializer(serializers.Serializer):
    with_source = Code(
        help_text="The code of another source of the claim: its origin and this one become one."
    )


class CommentSerializer(serializers.Serializer):
    text = Text(max_length=COMMENT_MAX)


class SourceCreateSerializer(serializers.Serializer):
    url = Text(max_length=URL_MAX)
    title = Text(required=False, allow_blank=True, max_length=TITLE_MAX, default="")


class OutletCreateSerializer(serializers.Serializer):
    domain = TextPattern(
        HOST_NAME_INPUT,
        max_length=253,
        error_messages={
            "invalid": "Enter a domain name such as dawn.com: no http://, path or spaces."
        },
        help_text="A host name, e.g. mofa.gov.pk ('www.' and a final dot are dropped); an "
        "internationalised one in its ASCII form (xn--...).",
    )
    name = Text(required=False, allow_blank=True, max_length=200, default="")
    kind = serializers.ChoiceField(Outlet.Kind.choices, required=False, default="other")
    country = Text(required=False, allow_blank=True, max_length=100, default="")
    reliability = serializers.ChoiceField(Outlet.Reliability.choices, required=False, default="F")


class OutletUpdateSerializer(serializers.Serializer):
    name = Text(required=False, max_length=200)
    kind = serializers.ChoiceField(Outlet.Kind.choices, required=False)
    country = Text(required=False, allow_blank=True, max_length=100)
    reliability = serializers.ChoiceField(Outlet.Reliability.choices, required=False)
