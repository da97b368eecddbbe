import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from claims.models import Claim, Evidence, EvidenceStance
from sources.models import TITLE_MAX, URL_MAX, Feed, Outlet

SUMMARY_MAX = 5000


class Article(models.Model):
    """A new item of an outlet's feed, kept once by its normalised URL."""

    url = models.URLField(max_length=URL_MAX, unique=True, help_text="Normalised.")
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    summary = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    outlet = models.ForeignKey(
        Outlet, models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    language = models.CharField(max_length=35, blank=True)
    feed = models.ForeignKey(Feed, models.SET_NULL, null=True, blank=True, related_name="articles")
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-first_seen_at"]

    def __str__(self):
        return self.title or self.url


class SuggestionState(models.TextChoices):
    OPEN = "open", "Open"
    LINKED = "linked", "Linked"
    DISMISSED = "dismissed", "Dismissed"


class Suggestion(models.Model):
    """An article that probably speaks of a claim, with the stance it probably takes.

    One per (claim, article): a dismissed one stays, so the article is never suggested
    for that claim again."""

    State = SuggestionState

    # Names the suggestion in the Link and Dismiss URLs of the claim page.
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim = models.ForeignKey(Claim, models.CASCADE, related_name="suggestions")
    article = models.ForeignKey(Article, models.CASCADE, related_name="suggestions")
    score = models.FloatField()
    # Why it matched: the words both use, entities first (claims.similarity).
    why = models.JSONField(default=list, blank=True)
    stance = models.CharField(max_length=8, choices=EvidenceStance.choices)
    stance_confidence = models.FloatField(default=0.0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence = models.ForeignKey(
        Evidence, models.SET_NULL, null=True, blank=True, related_name="suggestions"
    )

    class Meta:
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "article"], name="suggestion_once_per_claim"),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in SuggestionState]),
                name="suggestion_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(stance__in=[s.value for s in EvidenceStance]),
                name="suggestion_stance_valid",
            ),
        ]
        indexes = [
            # A claim's suggested sources: Suggestion.objects.filter(claim=claim,
            #   state="open").order_by("-score") (discovery.selectors.claim_suggestions).
            models.Index(
                fields=["claim", "-score"],
                name="suggestion_open_idx",
                condition=Q(state="open"),
            ),
        ]

    def __str__(self):
        return f"{self.article} -> claim {self.claim_id} ({self.score:.2f})"
