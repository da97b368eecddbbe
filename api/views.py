"""The JSON API: parse, call the same selectors and services as the web pages, answer.

Reads need the same view permission as the web pages; every write is checked by the
service it calls (claimwatch.perms), so analysts and editors have exactly their UI rights;
a view whose write must be refused before its input is parsed names it in `write_perms`.
What the services raise becomes JSON in one place, api.errors.
"""

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, status
from rest_framework.pagination import CursorPagination, LimitOffsetPagination
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import selectors, services
from claims.models import Claim, Evidence
from claimwatch import perms
from monitoring.services import source_check_soon, source_request_check
from publishing import services as publishing_services
from sources import selectors as source_selectors
from sources.models import Outlet, Source
from sources.services import outlet_create, outlet_update, source_get_or_create

from . import errors
from . import serializers as s

ERRORS = {
    400: OpenApiResponse(description="Invalid input: a list of messages per field."),
    403: OpenApiResponse(s.ErrorSerializer, description="Not allowed for your role."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such object."),
}
CONFLICT = {409: OpenApiResponse(s.ConflictSerializer, description="Stale version.")}
PUBLISH_CONFLICT = {
    409: OpenApiResponse(
        PolymorphicProxySerializer(
            component_name="ClaimUpdateConflict",
            serializers=[s.ConflictSerializer, s.PublishCheckSerializer],
            resource_type_field_name=None,
        ),
        description="Stale version (`current_version`), or the publish check found items "
        "(`publish_check`) and `confirm` was not sent: nothing was changed.",
    )
}
TAKEN = {409: OpenApiResponse(s.ErrorSerializer, description="Already exists.")}


def _query_int(request, name: str, *, default: int, low: int, high: int) -> int:
    """A whole-number query parameter; a value outside [low, high] or not a number is a
    400 naming it (never silently replaced by the default)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.bad_number(name, low, high) from None
    if not low <= value <= high:
        raise errors.bad_number(name, low, high)
    return value


def _bounded(parameters: list[dict], bounds: dict[str, tuple[int, int]]) -> list[dict]:
    """The paginator's documented parameters, with the bounds it enforces."""
    for parameter in parameters:
        if parameter["name"] in bounds:
            low, high = bounds[parameter["name"]]
            parameter["schema"] = {**parameter["schema"], "minimum": low, "maximum": high}
    return parameters


class Pagination(LimitOffsetPagination):
    """`limit` and `offset` pages, bounded so that no number overflows the database;
    a value outside the bounds is a 400 naming the parameter.

    No `count`: counting the whole filtered table on every request grows with the data
    (hundreds of ms at 100,000 claims). One row more than `limit` is read instead, and
    `next` is null on the last page.
    """

    default_limit = 50
    max_limit = 200
    max_offset = 10**12

    def get_limit(self, request):
        return _query_int(
            request, self.limit_query_param, default=self.default_limit, low=1, high=self.max_limit
        )

    def get_offset(self, request):
        return _query_int(request, self.offset_query_param, default=0, low=0, high=self.max_offset)

    def get_schema_operation_parameters(self, view):
        return _bounded(
            super().get_schema_operation_parameters(view),
            {
                self.limit_query_param: (1, self.max_limit),
                self.offset_query_param: (0, self.max_offset),
            },
        )

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        rows = list(queryset[self.offset : self.offset + self.limit + 1])
        self.has_more = len(rows) > self.limit
        return rows[: self.limit]

    def get_next_link(self):
        if not self.has_more:
            return None
        self.count = self.offset + self.limit + 1  # what the parent's link math needs
        return super().get_next_link()

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        full = super().get_paginated_response_schema(schema)
        full["properties"].pop("count", None)
        full["required"] = [name for name in full.get("required", []) if name != "count"]
        return full


class HasPerms(BasePermission):
    """The view's `view_perm`, as the web pages require it for reading, and for a write
    the permissions its `write_perms` names for the method (through claimwatch.perms)."""

    def has_permission(self, request, view):
        if not request.user.has_perm(view.view_perm):
            return False
        perms.require(request.user, *view.write_perms.get(request.method, ()))
        return True


class ServiceView(APIView):
    """Parse with a serializer, call a service or a selector, answer JSON.

    The query parameters a method takes are its `query` serializer's fields and its
    paginator's; any other is refused (400), as is a value the serializer cannot read.
    """

    permission_classes = [IsAuthenticated, HasPerms]
    # JSON only: the browsable docs are Swagger UI at /api/docs/.
    renderer_classes = [JSONRenderer]
    view_perm = perms.VIEW_CLAIM
    write_perms: dict[str, tuple[str, ...]] = {}
    query: dict[str, type[s.serializers.Serializer]] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # who may ask comes first (401, 403)
        if request.method not in self.allowed_methods:
            return  # the 405 comes next, whatever the query
        allowed = (
            set(self.query[request.method]().fields) if request.method in self.query else set()
        )
        paginator = getattr(self, "paginator", None)
        if paginator is not None and request.method == "GET":
            allowed |= {param["name"] for param in paginator.get_schema_operation_parameters(self)}
        unknown = set(request.query_params) - allowed
        if unknown:
            raise errors.unknown_query_parameters(unknown, allowed)

    def parse(self, serializer_class, data=None):
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def parse_query(self):
        """The method's query parameters, read as sent: a blank value is a value (a form
        would drop it for the default), so `?sort=` is refused, not read as the default."""
        return self.parse(self.query[self.request.method], self.request.query_params.dict())

    def claim(self, code, *, live: bool = False) -> Claim:
        return selectors.claim_or_404(code, live=live)

    def evidence(self, claim: Claim, source_code) -> Evidence:
        return get_object_or_404(
            selectors.with_snapshots(Evidence.objects.select_related("source__outlet", "added_by")),
            claim=claim,
            source__code=source_code,
        )


def _claim_detail(claim: Claim, request) -> dict:
    claim = selectors.claim_for_page(claim.code)
    return s.ClaimDetailSerializer(claim, context={"request": request}).data


class ClaimListView(ServiceView, generics.GenericAPIView):
    pagination_class = Pagination
    serializer_class = s.ClaimSerializer
    query = {"GET": s.ClaimFilterSerializer}

    @extend_schema(
        parameters=[s.ClaimFilterSerializer],
        responses={200: s.ClaimSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        filters = self.parse_query()
        claims = selectors.claim_list(**filters)
        page = self.paginate_queryset(claims)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=s.ClaimCreateSerializer,
        responses={201: s.ClaimDetailSerializer, **ERRORS},
    )
    def post(self, request):
        data = self.parse(s.ClaimCreateSerializer)
        claim = services.claim_create(**data, actor=request.user)
        return Response(_claim_detail(claim, request), status=status.HTTP_201_CREATED)


class ClaimDetailView(ServiceView):
    @extend_schema(responses={200: s.ClaimDetailSerializer, **ERRORS})
    def get(self, request, code):
        return Response(_claim_detail(self.claim(code), request))

    @extend_schema(
        request=s.ClaimUpdateSerializer,
        responses={200: s.ClaimDetailSerializer, **ERRORS, **PUBLISH_CONFLICT},
        description=(
            "Change the statement, context, tags or dates. Send the `version` you read. "
            '`"published": true` publishes the claim\'s public page (editors; a decided '
            "claim only), `false` takes it down. When the publish check finds sources to "
            "look at (evidence to review, a supporting or denying source changed since it "
            "was judged, a source gone or unreachable, a source changed after the verdict), "
            'the answer is 409 with them in `publish_check` and nothing changes; `"confirm": '
            "true` publishes anyway and records the items on the timeline."
        ),
    )
    def patch(self, request, code):
        claim = self.claim(code, live=True)
        data = self.parse(s.ClaimUpdateSerializer)
        version = data.pop("version")
        published = data.pop("published", None)
        confirm = data.pop("confirm")
        # Dates left out stay as they are (the service takes None as "clear").
        data.setdefault("first_seen_at", claim.first_seen_at)
        data.setdefault("resolves_at", claim.resolves_at)
        with transaction.atomic():
            claim = services.claim_update(
                claim=claim, expected_version=version, actor=request.user, **data
            )
            if published is True:
                claim = publishing_services.claim_publish(
                    claim=claim, actor=request.user, confirm=confirm
                )
            elif published is False:
                claim = publishing_services.claim_unpublish(claim=claim, actor=request.user)
        return Response(_claim_detail(claim, request))


class VerdictView(ServiceView):
    write_perms = {"POST": (perms.SET_VERDICT,)}

    @extend_schema(
        request=s.VerdictSerializer,
        responses={200: s.ClaimDetailSerializer, **ERRORS, **CONFLICT},
        description="Set the verdict (editors). Send the `version` you read.",
    )
    def post(self, request, code):
        claim = self.claim(code, live=True)
        data = self.parse(s.VerdictSerializer)
        claim = services.verdict_set(
            claim=claim,
            status=data["status"],
            rationale=data["rationale"],
            confidence=data["confidence"],
            expected_version=data["version"],
            actor=request.user,
        )
        return Response(_claim_detail(claim, request))


class TimelinePagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    max_page_size = 200
    page_size_query_param = "limit"

    def get_page_size(self, request):
        return _query_int(
            request,
            self.page_size_query_param,
            default=self.page_size,
            low=1,
            high=self.max_page_size,
        )

    def get_schema_operation_parameters(self, view):
        return _bounded(
            super().get_schema_operation_parameters(view),
            {self.page_size_query_param: (1, self.max_page_size)},
        )


class TimelineView(ServiceView, generics.GenericAPIView):
    serializer_class = s.EventSerializer
    pagination_class = TimelinePagination
    query = {"GET": s.TimelineFilterSerializer}

    @extend_schema(
        parameters=[s.TimelineFilterSerializer],
        responses={200: s.EventSerializer(many=True), **ERRORS},
        description="The claim's timeline, newest first, cursor-paginated.",
    )
    def get(self, request, code):
        claim = self.claim(code)
        kind = self.parse_query().get("kind", "")
        page = self.paginate_queryset(selectors.timeline(claim, kind=kind))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CommentView(ServiceView):
    @extend_schema(request=s.CommentSerializer, responses={201: s.EventSerializer, **ERRORS})
    def post(self, request, code):
        claim = self.claim(code, live=True)
        data = self.parse(s.CommentSerializer)
        event = services.comment_add(claim=claim, text=data["text"], actor=request.user)
        return Response(s.EventSerializer(event).data, status=status.HTTP_201_CREATED)


class EvidenceListView(ServiceView):
    @extend_schema(responses={200: s.EvidenceSerializer(many=True), **ERRORS})
    def get(self, request, code):
        claim = self.claim(code)
        return Response(
            s.EvidenceSerializer(
                selectors.claim_evidence(claim), many=True, context={"request": request}
            ).data
        )

    @extend_schema(
        request=s.EvidenceCreateSerializer,
        responses={201: s.EvidenceSerializer, **ERRORS},
        description="Link a source (found or created by its normalised URL) with a stance.",
    )
    def post(self, request, code):
        claim = self.claim(code, live=True)
        data = self.parse(s.EvidenceCreateSerializer)
        evidence = services.evidence_add(claim=claim, **data, actor=request.user)
        evidence = self.evidence(claim, evidence.source.code)
        data = s.EvidenceSerializer(evidence, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class EvidenceDetailView(ServiceView):
    query = {"DELETE": s.EvidenceRemoveSerializer}

    @extend_schema(responses={200: s.EvidenceSerializer, **ERRORS})
    def get(self, request, code, source_code):
        return Response(
            s.EvidenceSerializer(
                self.evidence(self.claim(code), source_code), context={"request": request}
            ).data
        )

    @extend_schema(
        request=s.EvidenceUpdateSerializer,
        responses={200: s.EvidenceSerializer, **ERRORS},
        description="Change the stance, quote or note.",
    )
    def patch(self, request, code, source_code):
        evidence = self.evidence(self.claim(code, live=True), source_code)
        data = self.parse(s.EvidenceUpdateSerializer)
        evidence = services.evidence_update(evidence=evidence, actor=request.user, **data)
        return Response(s.EvidenceSerializer(evidence, context={"request": request}).data)

    @extend_schema(
        parameters=[s.EvidenceRemoveSerializer],
        responses={204: None, **ERRORS},
        description="Unlink the source from the claim (editors). The source stays.",
    )
    def delete(self, request, code, source_code):
        evidence = self.evidence(self.claim(code, live=True), source_code)
        reason = self.parse_query()["reason"]
        services.evidence_remove(evidence=evidence, actor=request.user, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EvidenceReviewedView(ServiceView):
    @extend_schema(
        request=None,
        responses={200: s.EvidenceSerializer, **ERRORS},
        description="Clear `needs_review` once you have looked at what the source changed.",
    )
    def post(self, request, code, source_code):
        evidence = self.evidence(self.claim(code, live=True), source_code)
        evidence = services.evidence_mark_reviewed(evidence=evidence, actor=request.user)
        return Response(s.EvidenceSerializer(evidence, context={"request": request}).data)


class OriginSplitView(ServiceView):
    @extend_schema(
        request=None,
        responses={200: s.ClaimDetailSerializer, **ERRORS},
        description="Take the source out of its origin into one of its own (kept by hand).",
    )
    def post(self, request, code, source_code):
        claim = self.claim(code, live=True)
        services.origin_split(evidence=self.evidence(claim, source_code), actor=request.user)
        return Response(_claim_detail(claim, request))


class OriginJoinView(ServiceView):
    @extend_schema(
        request=s.OriginJoinSerializer,
        responses={200: s.ClaimDetailSerializer, **ERRORS},
        description="Join the source's origin with the origin of `with_source` (kept by hand).",
    )
    def post(self, request, code, source_code):
        claim = self.claim(code, live=True)
        data = self.parse(s.OriginJoinSerializer)
        services.origin_join(
            evidence=self.evidence(claim, source_code),
            other=self.evidence(claim, data["with_source"]),
            actor=request.user,
        )
        return Response(_claim_detail(claim, request))


class SourceListView(ServiceView, generics.GenericAPIView):
    pagination_class = Pagination
    view_perm = perms.VIEW_SOURCE
    serializer_class = s.SourceBriefSerializer

    @extend_schema(responses={200: s.SourceBriefSerializer(many=True), **ERRORS})
    def get(self, request):
        page = self.paginate_queryset(source_selectors.source_list())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=s.SourceCreateSerializer,
        responses={
            201: s.SourceSerializer,
            200: OpenApiResponse(s.SourceSerializer, description="Already known."),
            **ERRORS,
        },
        description="Find a source by its normalised URL, or create it.",
    )
    def post(self, request):
        data = self.parse(s.SourceCreateSerializer)
        source, created = source_get_or_create(**data, actor=request.user)
        source_check_soon(source=source)  # a new source: checked in seconds
        source = _source(source.code)
        return Response(
            s.SourceSerializer(source).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _source(code) -> Source:
    source = source_selectors.source_for_page(code)
    if source is None:
        raise Http404("No such source.")
    source.snapshot_list = source_selectors.source_snapshots(source)
    return source


class SourceDetailView(ServiceView):
    view_perm = perms.VIEW_SOURCE

    @extend_schema(responses={200: s.SourceSerializer, **ERRORS})
    def get(self, request, code):
        return Response(s.SourceSerializer(_source(code)).data)


class SourceRefreshView(ServiceView):
    view_perm = perms.VIEW_SOURCE

    @extend_schema(
        request=None,
        responses={202: s.SourceBriefSerializer, **ERRORS},
        description="Queue a check of the source now (its badge shows when it has run).",
    )
    def post(self, request, code):
        source = source_request_check(source=_source(code), actor=request.user)
        return Response(s.SourceBriefSerializer(source).data, status=status.HTTP_202_ACCEPTED)


class OutletListView(ServiceView, generics.GenericAPIView):
    pagination_class = Pagination
    view_perm = perms.VIEW_OUTLET
    serializer_class = s.OutletSerializer

    @extend_schema(responses={200: s.OutletSerializer(many=True), **ERRORS})
    def get(self, request):
        page = self.paginate_queryset(source_selectors.outlet_list())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=s.OutletCreateSerializer,
        responses={201: s.OutletSerializer, **ERRORS, **TAKEN},
        description="Add an outlet (its sources are matched by domain).",
    )
    def post(self, request):
        outlet = outlet_create(**self.parse(s.OutletCreateSerializer), actor=request.user)
        return Response(s.OutletSerializer(outlet).data, status=status.HTTP_201_CREATED)


class OutletDetailView(ServiceView):
    view_perm = perms.VIEW_OUTLET
    write_perms = {"PATCH": (perms.GRADE_OUTLET,)}

    @extend_schema(responses={200: s.OutletDetailSerializer, **ERRORS})
    def get(self, request, code):
        return Response(s.OutletDetailSerializer(get_object_or_404(Outlet, code=code)).data)

    @extend_schema(
        request=s.OutletUpdateSerializer,
        responses={200: s.OutletSerializer, **ERRORS},
        description="Change the name, kind, country or reliability grade (editors).",
    )
    def patch(self, request, code):
        outlet = get_object_or_404(Outlet, code=code)
        data = self.parse(s.OutletUpdateSerializer)
        outlet = outlet_update(outlet=outlet, actor=request.user, **data)
        return Response(s.OutletSerializer(outlet).data)


class UnknownPathView(APIView):
    """Any other path under /api/ (a mistyped one, a code that is not a UUID): a JSON 404
    through api.errors, for every method, to anyone."""

    permission_classes = [AllowAny]
    authentication_classes = []
    renderer_classes = [JSONRenderer]

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise errors.UnknownPath(request.path)

    options = http_method_not_allowed


class RootView(APIView):
    """What the API offers, for a newcomer at /api/ (no data: open to anyone)."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(exclude=True)
    def get(self, request):
        def link(name: str) -> str:
            return request.build_absolute_uri(reverse(f"api:{name}"))

        return Response(
            {
                "claims": link("claim_list"),
                "sources": link("source_list"),
                "outlets": link("outlet_list"),
                "schema": link("schema"),
                "docs": link("docs"),
                "auth": "Send 'Authorization: Token <key>'; make your token at "
                + request.build_absolute_uri(reverse("api_token")),
            }
        )
