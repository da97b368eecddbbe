"""Writes for discovery: articles from feeds, suggestions, and what a person does with one.

A suggestion is made by the system (polling); linking or dismissing it is a person's act:
`suggestion_link` links the article as evidence through claims.services.evidence_add, whose
timeline event keeps the stance that was suggested, so the timeline tells whether it was
taken or changed; `suggestion_dismiss` keeps the row, so the article is never suggested
for that claim again.
"""

from collections import defaultdict
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims import signals
from claims.models import Evidence
from claims.services import evidence_add
from claimwatch import perms
from sources.models import TITLE_MAX, Feed

from .feeds import Item
from .matching import match_many, open_claims
from .models import SUMMARY_MAX, Article, Suggestion
from .selectors import suggestion_arrival


@transaction.atomic
def articles_record(*, feed: Feed, items: list[Item], now: datetime | None = None) -> list[Article]:
    """Keep the feed's items as articles, each once by its normalised URL; returns the new
    ones (an item already seen, in this feed or another, is not new)."""
    now = now or timezone.now()
    by_url = {item.url: item for item in items}
    known = set(Article.objects.filter(url__in=list(by_url)).values_list("url", flat=True))
    new = [
        Article(
            url=url,
            title=item.title[:TITLE_MAX],
            summary=item.summary[:SUMMARY_MAX],
            published_at=item.published_at,
            outlet_id=feed.outlet_id,
            language=item.language[:35],
            feed=feed,
            first_seen_at=now,
        )
        for url, item in by_url.items()
        if url not in known
    ]
    Article.objects.bulk_create(new, ignore_conflicts=True)
    # Another poll may have stored some meanwhile: only the rows this one wrote are new.
    return list(Article.objects.filter(url__in=[a.url for a in new], first_seen_at=now, feed=feed))


@transaction.atomic
def suggestions_make(*, articles: list[Article], now: datetime | None = None) -> list[Suggestion]:
    """Match each article against the open claims (discovery.matching) and keep each match
    above the threshold as an open suggestion. A (claim, article) pair already suggested,
    dismissed or linked is left as it is, and an article the claim already cites (linked
    by hand) is not suggested for it. The new ones are told (claims.signals.suggestions_made:
    the desk alerts those who opted in)."""
    if not articles:
        return []
    now = now or timezone.now()
    claims = open_claims(now=now)
    found = match_many([(a.title, a.summary) for a in articles], claims=claims)
    cited = set(
        Evidence.objects.filter(
            claim_id__in={f.claim_id for matches in found for f in matches},
            source__url__in=[a.url for a in articles],
        ).values_list("claim_id", "source__url")
    )
    made = [
        Suggestion(
            claim_id=f.claim_id,
            article=article,
            score=f.score,
            why=f.why[:12],
            stance=f.stance,
            stance_confidence=f.stance_confidence,
            created_at=now,
        )
        for article, matches in zip(articles, found, strict=True)
        for f in matches
        if (f.claim_id, article.url) not in cited
    ]
    Suggestion.objects.bulk_create(made, ignore_conflicts=True)
    _tell_made(made)
    return made


def _tell_made(made: list[Suggestion]) -> None:
    """claims.signals.suggestions_made, for the rows this call wrote: a pair that was
    already there kept its row, and its code is not the one made here (one query)."""
    written = (
        Suggestion.objects.filter(code__in=[s.code for s in made])
        .select_related("article__outlet")
        .order_by("-score", "id")
    )
    arrivals: dict[int, list] = defaultdict(list)
    for suggestion in written:
        arrivals[suggestion.claim_id].append(suggestion_arrival(suggestion))
    if arrivals:
        signals.suggestions_made.send(sender=Suggestion, arrivals=dict(arrivals))


@transaction.atomic
def suggestion_link(
    *,
    suggestion: Suggestion,
    stance: str,
    actor: AbstractBaseUser | None,
    quote: str = "",
    note: str = "",
) -> Evidence:
    """Link the suggested article to its claim as evidence with the stance the person chose
    (pre-selected: the suggested one). The `evidence_added` event keeps what was suggested,
    and whether it was taken. A new source gets the article's outlet when it has one."""
    perms.require(actor, perms.ADD_EVIDENCE)
    locked = (
        Suggestion.objects.select_for_update(of=("self", "article", "claim"))
        .select_related("article__outlet", "claim")
        .get(pk=suggestion.pk)
    )
    if locked.state != Suggestion.State.OPEN:
        raise ValidationError(f"This suggestion was already {locked.get_state_display().lower()}.")
    evidence = evidence_add(
        claim=locked.claim,
        url=locked.article.url,
        stance=stance,
        title=locked.article.title,
        # Who publishes it is the feed's outlet, not whatever the URL's domain suggests
        # (a feed may link to a CDN, a syndication host or, in the demo, 127.0.0.1).
        outlet=locked.article.outlet,
        quote=quote,
        note=note,
        actor=actor,
        suggested={
            "stance": locked.stance,
            "confidence": locked.stance_confidence,
            "score": round(locked.score, 3),
            "taken": stance == locked.stance,
        },
    )
    Suggestion.objects.filter(pk=locked.pk).update(
        state=Suggestion.State.LINKED,
        evidence=evidence,
        decided_at=timezone.now(),
        decided_by=actor,
    )
    suggestion.refresh_from_db()
    return evidence


@transaction.atomic
def suggestion_dismiss(*, suggestion: Suggestion, actor: AbstractBaseUser | None) -> Suggestion:
    """Dismiss a suggestion: it leaves the claim's list and the article is never suggested
    for that claim again (the row stays, and matching skips pairs it has)."""
    perms.require(actor, perms.ADD_EVIDENCE)
    updated = Suggestion.objects.filter(pk=suggestion.pk, state=Suggestion.State.OPEN).update(
        state=Suggestion.State.DISMISSED, decided_at=timezone.now(), decided_by=actor
    )
    suggestion.refresh_from_db()
    if not updated and suggestion.state != Suggestion.State.DISMISSED:
        raise ValidationError(
            f"This suggestion was already {suggestion.get_state_display().lower()}."
        )
    return suggestion
