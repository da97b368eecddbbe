"""Atom feeds of verdict changes and of source changes, for all claims or for one.

A claim's sources feed also lists what arrived for the claim without being a fact of its
record (claims.hooks.arrivals: discovery's suggested sources), each under an id made of
its stable key, so a feed reader sees a suggestion arrive once.

Feeds hold what the claim pages hold, so they need the same permission: a signed-in
session, or the user's API token in an `Authorization: Token <key>` header for feed
readers and scripts (see docs/api.md).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from claims import hooks
from claims.models import Claim, ClaimEvent

FEED_SIZE = 50


def atom_id(*parts) -> str:
    """An Atom id (RFC 4287 4.2.6: an IRI, never reused): a name-based UUID of the site
    and `parts`, so the same entry keeps its id and two entries never share one."""
    site = uuid.uuid5(uuid.NAMESPACE_URL, settings.SITE_URL)
    return f"urn:uuid:{uuid.uuid5(site, '/'.join(str(part) for part in parts))}"


class EventFeed(Feed):
    feed_type = Atom1Feed
    kinds: frozenset = frozenset()
    what = ""

    def get_object(self, request, code=None):
        self.request = request
        if code is None:
            return None
        return get_object_or_404(Claim, code=code)

    def title(self, claim):
        return f"Claimwatch: {self.what}" + (f" of “{claim.statement[:80]}”" if claim else "")

    def link(self, claim):
        return claim.get_absolute_url() if claim else reverse("claims:list")

    def feed_guid(self, claim):
        return atom_id("feed", type(self).__name__, claim.code if claim else "all")

    def subtitle(self, claim):
        return f"The latest {FEED_SIZE} {self.what.lower()}."

    def items(self, claim):
        events = ClaimEvent.objects.filter(kind__in=self.kinds).select_related(
            "claim", "actor", "source"
        )
        if claim is not None:
            events = events.filter(claim=claim)
        return events.order_by("-created_at", "-id")[:FEED_SIZE]

    def item_link(self, event):
        return event.claim.get_absolute_url()

    def item_guid(self, event):
        # One per event: its place in its claim's chain (never a primary key).
        return atom_id("claim", event.claim.code, "event", event.seq)

    item_guid_is_permalink = False

    def item_pubdate(self, event):
        return event.created_at

    def item_updateddate(self, event):
        return event.created_at

    def item_author_name(self, event):
        return event.actor.get_username() if event.actor else "Claimwatch"


class VerdictFeed(EventFeed):
    kinds = frozenset({ClaimEvent.Kind.VERDICT_SET})
    what = "Verdict changes"

    def item_title(self, event):
        after = event.payload.get("after", {})
        status = dict(Claim.Status.choices).get(after.get("status"), after.get("status"))
        return f"{status}: {event.claim.statement}"

    # Atom summaries are HTML: typed text is escaped so readers show it as text.
    def item_description(self, event):
        return escape(event.payload.get("after", {}).get("rationale", ""))


@dataclass(frozen=True)
class ArrivalItem:
    """An arrival (claims.hooks) read by the feed like an event of the claim."""

    claim: Claim
    arrival: hooks.Arrival
    actor = None

    @property
    def created_at(self) -> datetime:
        return self.arrival.at


class SourceFeed(EventFeed):
    kinds = ClaimEvent.SOURCE_KINDS
    what = "Source changes"

    def subtitle(self, claim):
        if claim is None:
            return super().subtitle(claim)
        return f"The latest {FEED_SIZE} source changes and suggested sources."

    def items(self, claim):
        events = list(super().items(claim))
        if claim is None:
            return events
        arrivals = [ArrivalItem(claim, a) for a in hooks.arrivals(claim, limit=FEED_SIZE)]
        merged = sorted([*events, *arrivals], key=lambda item: item.created_at, reverse=True)
        return merged[:FEED_SIZE]

    def item_guid(self, item):
        if isinstance(item, ArrivalItem):
            return atom_id("claim", item.claim.code, item.arrival.key)
        return super().item_guid(item)

    def item_title(self, event):
        if isinstance(event, ArrivalItem):
            return event.arrival.title
        # The source as the event names it (its payload), not as it is called today.
        name = event.payload.get("title") or event.payload.get("url", "")
        return f"{event.get_kind_display()}: {name}"

    def item_description(self, event):
        if isinstance(event, ArrivalItem):
            return escape(event.arrival.summary)
        url = event.source.url if event.source else event.payload.get("url", "")
        return escape(f"Cited by “{event.claim.statement}”. {url}")
