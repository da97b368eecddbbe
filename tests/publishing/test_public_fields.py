"""Nothing private reaches the public side, field by field.

Every field of Claim, Evidence, Source, Outlet and ClaimEvent (and the users, tags and
assignments around them) is filled with a value that can be told apart; the public
page, the card, the index and the feed are rendered; then each field's value must be
there if `claims.public.PUBLIC_FIELDS` allows it, and nowhere if not. A field of a kind
this test cannot fill fails the test until someone classifies it, so a new private
field cannot leak by default.
"""

import itertools
import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import models

from claims import services
from claims.models import Claim, ClaimEvent, Evidence, Tag
from desk.services import claim_assign
from publishing.public import PUBLIC_FIELDS
from publishing.services import claim_publish
from sources.models import Outlet, Source

pytestmark = pytest.mark.django_db

# Fields no page could show as text, each with why it is safe.
NOT_TEXT = {
    "id": "primary keys never leave the database (pages use codes)",
    "claim": "the record the field hangs off",
    "merged_into": "a merged claim has no public page of its own (it redirects)",
    "source": "checked through the source's own fields",
    "outlet": "checked through the outlet's own fields",
    "needs_review": "a flag; the public page has no review state",
    "quote_internal": "decides whether the quote shows: test_public_pages checks it",
    "withdrawn_at": "a withdrawn claim has no public page at all",
    "search_vector": "words of the statement, context and quotes for search; never shown",
    "origin": "the group a source belongs to (docs/origins.md); not on the public page yet",
    "origin_pinned": "a flag: an analyst placed the source in its origin",
    "scripted": "a flag: the page builds its text with scripts (said on the source page)",
    "render": "a setting of monitoring: check the page in a headless browser",
    "judged_snapshot": "the version a stance was judged on: only its headline is public "
    "(ClaimReview's appearance headline, in place of the source's public title)",
}
# Public fields that may be absent: the link date stands in for an unknown publication date.
PUBLIC_BUT_OPTIONAL = {"claims.Evidence.added_at"}
_numbers = itertools.count(7)


def needle(value) -> re.Pattern:
    """The value as it could appear on a page; a number not inside a code or another number
    (text markers are unique wherever they stand)."""
    if isinstance(value, int):
        return re.compile(rf"(?<![\w-]){value}(?![0-9a-fA-F])")
    return re.compile(re.escape(str(value)))


class Filler:
    """Gives every field of a record a value that can be told apart, and remembers it."""

    def __init__(self, make_user):
        self.make_user = make_user
        self.needles: dict[str, list[re.Pattern]] = {}
        self.skipped: set[str] = set()

    def fill(self, instance, *, keep=()) -> None:
        label = instance._meta.label
        values = {}
        for field in instance._meta.concrete_fields:
            key = f"{label}.{field.name}"
            if field.name in NOT_TEXT or field.name in keep:
                self.skipped.add(key)
                continue
            value, shown = self.value_for(field, key)
            values[field.attname] = value
            self.needles[key] = [needle(v) for v in shown]
        type(instance).objects.filter(pk=instance.pk).update(**values)
        instance.refresh_from_db()

    def value_for(self, field, key):
        n = next(_numbers)
        tag = key.replace(".", "-").replace("_", "-").lower()
        if field.choices:
            # The last choice: its label (e.g. "Research / NGO") is what a page would show.
            value, label = field.choices[-1]
            return value, [label]
        if isinstance(field, models.ForeignKey) and field.related_model._meta.label == (
            settings.AUTH_USER_MODEL
        ):
            user = self.make_user(f"u{n}{tag}", email=f"m{n}@{tag}.example")
            return user.pk, [user.username, user.email]
        if isinstance(field, models.DateTimeField):
            year = 2040 + n
            return datetime(year, 3, 4, 5, 6, tzinfo=UTC), [year]
        if isinstance(field, models.URLField):
            return f"https://{tag}.example/{n}", [f"{tag}.example"]
        if isinstance(field, models.UUIDField):
            return field.get_default(), []  # filled below from the record
        if isinstance(field, models.PositiveSmallIntegerField):
            return 30000 + n, [30000 + n]
        if isinstance(field, models.PositiveIntegerField | models.IntegerField):
            return 700000 + n, [700000 + n]
        if isinstance(field, models.CharField | models.TextField):
            text = f"mk{n}{tag}"[: field.max_length or 200]
            return text, [text]
        raise AssertionError(f"{key}: a field of a new kind; say whether it is public")


@pytest.fixture
def world(make_user, editor):
    """A published claim with every field of everything around it filled."""
    filler = Filler(make_user)
    claim = services.claim_create(statement="A claim", tags=["x"], actor=editor)
    evidence = services.evidence_add(
        claim=claim,
        url="https://example.org/a",
        stance="supports",
        actor=editor,
    )
    claim.refresh_from_db()
    services.verdict_set(
        claim=claim, status="denied", rationale="r", expected_version=claim.version, actor=editor
    )
    claim_publish(claim=claim, actor=editor)
    outlet = Outlet.objects.create(name="o", domain="o.example")
    Source.objects.filter(pk=evidence.source_id).update(outlet=outlet)
    # Users, tags and assignments around the claim.
    tag = Tag.objects.create(name="mk-tag-name")
    claim.tags.set([tag])
    filler.needles["claims.Tag.name"] = [needle(tag.name)]
    assignee = make_user("mk-assignee", "Analysts")
    claim_assign(claim=claim, user=assignee, actor=editor)
    filler.needles["claims.Assignment.user"] = [needle(assignee.username)]
    # The editor who logged, decided and published it: named on the desk's timeline only.
    filler.needles["editor"] = [re.compile(rf"\b{editor.username}\b")]

    filler.fill(claim, keep={"code"})
    # Status is public: make it a decided one whatever the last choice is.
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.DENIED, merged_into=None)
    filler.needles["claims.Claim.status"] = [needle("Denied")]
    filler.fill(evidence)
    Evidence.objects.filter(pk=evidence.pk).update(stance="denies", quote_internal=False)
    filler.fill(evidence.source)
    filler.fill(outlet)
    for model, instance in ((Source, evidence.source), (Outlet, outlet)):
        instance.refresh_from_db()
        filler.needles[f"{model._meta.label}.code"] = [needle(instance.code)]
    claim.refresh_from_db()
    filler.needles["claims.Claim.code"] = [needle(claim.code)]
    return claim, filler


def events_of_every_kind(claim, filler):
    """One event of each kind, every payload key and every field marked.

    Only a verdict change's date, its status before and after, and its rationale are
    public (the correction history)."""
    public, private = [], []
    for kind in ClaimEvent.Kind:
        n = next(_numbers)
        actor = filler.make_user(f"actor{n}")
        source = Source.objects.create(url=f"https://event-{n}.example/", title=f"evsrc{n}")
        at = datetime(2040 + n, 1, 2, tzinfo=UTC)
        marks = {k: f"pl{n}{k}" for k in ("text", "reason", "url", "quote", "user", "note")}
        payload = {
            **marks,
            "before": {"status": "confirmed", "rationale": f"plb{n}", "confidence": f"plc{n}"},
            "after": {"status": "disputed", "rationale": f"pla{n}", "confidence": f"pld{n}"},
        }
        # Through the one event writer, so each is a link of the claim's hash chain.
        event = services.event_append(claim, kind, actor, payload, source=source, at=at)
        private += [event.hash, event.prev_hash] if event.prev_hash else [event.hash]
        private += [actor.username, source.url, source.title, f"plb{n}", f"plc{n}", f"pld{n}"]
        private += list(marks.values())
        if kind == ClaimEvent.Kind.VERDICT_SET:
            public += [at.year, f"pla{n}"]
        else:
            private += [at.year, f"pla{n}"]
    return [needle(p) for p in public], [needle(p) for p in private]


def test_it_classifies_every_field_of_the_public_models():
    known = {"claims.Claim", "claims.Evidence", "sources.Source", "sources.Outlet"}
    for label in known | {"claims.ClaimEvent"}:
        assert label in PUBLIC_FIELDS, f"{label} has no allow-list"
    # ClaimEvent is checked kind by kind below: its fields are these, and no other.
    # seq is a position in the chain (a small number); hash and prev_hash are checked.
    assert {f.name for f in ClaimEvent._meta.concrete_fields} == {
        "id",
        "claim",
        "kind",
        "actor",
        "created_at",
        "payload",
        "source",
        "seq",
        "prev_hash",
        "hash",
    }, "ClaimEvent has a new field: add it to events_of_every_kind and say if it is public"
    assert {f.name for f in Claim._meta.many_to_many} == {"tags"}, "a new relation on Claim"


def test_it_shows_the_allowed_fields_and_nothing_else(client, world):
    claim, filler = world
    public_events, private_events = events_of_every_kind(claim, filler)
    # Nothing was read before, so nothing is cached: the writes above bypass the services.
    page = client.get(f"/p/{claim.code}/").content.decode()
    others = {
        "card": client.get(f"/p/{claim.code}/embed/").content.decode(),
        "index": client.get("/p/?q=mk").content.decode(),
        "feed": client.get("/p/feed/").content.decode(),
    }
    assert claim.statement in others["index"]  # the search found it
    everywhere = {"page": page, **others}

    leaks, missing = [], []
    for key, needles in filler.needles.items():
        model, _, name = key.rpartition(".")
        is_public = name in PUBLIC_FIELDS.get(model, ())
        for pattern in needles:
            if is_public:
                if not pattern.search(page) and key not in PUBLIC_BUT_OPTIONAL:
                    missing.append(f"{key}: {pattern.pattern}")
            else:
                leaks += [
                    f"{key} on the {where}"
                    for where, html in everywhere.items()
                    if pattern.search(html)
                ]
    for pattern in private_events:
        leaks += [
            f"event {pattern.pattern} on the {where}"
            for where, html in everywhere.items()
            if pattern.search(html)
        ]
    for pattern in public_events:
        if not pattern.search(page):
            missing.append(f"verdict change {pattern.pattern}")
    assert leaks == [], "private values on the public side"
    assert missing == [], "public values missing from the page"
    assert filler.skipped <= {f"{m}.{n}" for m in PUBLIC_FIELDS for n in NOT_TEXT} | {
        "claims.Claim.code"
    }
