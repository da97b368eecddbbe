"""Demo data: the SCO Qingdao story of June 2025, told as claims, sources and verdicts.

Idempotent: running it again adds nothing that is already there. With `--pages-url` (bin/start)
the sources are the local demo pages (sources/demo.py) standing in for the outlets' articles,
each with the snapshot it had when it was linked, so the demo works offline and its first
checks find what changed since (the Anadolu headline), and Hindustan Times' feed on those
pages is registered for the outlet: a new article appears on it a minute after the pages
start, and discovery suggests it as a source of the meeting claim.
"""

import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from claims import services
from claims.models import Claim, ClaimEvent, Evidence
from sources import changes, origins
from sources.demo import ARTICLES, BY_REAL_URL, FEED_OUTLET, FEED_PATH, page_html
from sources.models import Feed, Outlet, Source
from sources.services import (
    feed_add,
    outlet_create,
    snapshot_record,
    source_fingerprint_store,
)
from sources.urlnorm import normalize_url

OUTLETS = [
    # name, domain, kind, country, reliability
    ("Pakistan Ministry of Foreign Affairs", "mofa.gov.pk", "official", "Pakistan", "B"),
    ("Ministry of Defence, India", "mod.gov.in", "official", "India", "B"),
    ("Anadolu Agency", "aa.com.tr", "wire", "Turkey", "B"),
    ("TRT World", "trtworld.com", "news", "Turkey", "C"),
    ("ARY News", "arynews.tv", "news", "Pakistan", "C"),
    ("Dawn", "dawn.com", "news", "Pakistan", "B"),
    ("Hindustan Times", "hindustantimes.com", "news", "India", "B"),
    ("Xinhua", "english.news.cn", "wire", "China", "C"),
]

STEP = timedelta(hours=3)
# The Foreign Office statement came on 25 June; the editors ruled that afternoon.
VERDICTS_AT = datetime(2025, 6, 25, 15, 0, tzinfo=UTC)

MEETING = (
    "Pakistan's Defence Minister Khawaja Asif and India's Defence Minister Rajnath Singh "
    "will meet at the SCO Defence Ministers' Meeting in Qingdao."
)

CLAIMS = [
    {
        "statement": MEETING,
        "claimant": "Turkish media",
        "context": (
            "Turkish media reported the possibility of the first face-to-face meeting between "
            "the two defence ministers since the May 2025 military standoff."
        ),
        "tags": ["sco", "pakistan", "india", "defence"],
        "first_seen_at": datetime(2025, 6, 24, 9, 0, tzinfo=UTC),
        "resolves_at": datetime(2025, 6, 27, 18, 0, tzinfo=UTC),
        "evidence": [
            (
                "https://www.aa.com.tr/en/asia-pacific/pakistan-india-defence-chiefs-may-meet-at-sco-qingdao/3581101",
                "supports",
                "Pakistan and India defence chiefs may meet on SCO sidelines in Qingdao",
                "Asif will lead the Pakistani delegation ... the first face-to-face meeting "
                "since the recent military standoff.",
            ),
            (
                "https://www.trtworld.com/asia/sco-qingdao-asif-singh-possible-meeting-18331",
                "supports",
                "Asif and Singh could meet in Qingdao, reports say",
                "The two ministers are expected to attend the two-day forum.",
            ),
            (
                "https://mofa.gov.pk/press-releases/response-to-speculation-sco-defence-ministers-meeting",
                "denies",
                "Response to speculation regarding SCO Defence Ministers' Meeting",
                "No meeting is scheduled between the Defence Minister and his Indian counterpart.",
            ),
            (
                "https://arynews.tv/defense-minister-reaches-china-to-attend-sco-meeting/",
                "neutral",
                "Defense Minister reaches China to attend SCO Defence Ministers' Meeting",
                "",
            ),
        ],
        "verdict": (
            "denied",
            "Pakistan's Foreign Office said on 25 June that no meeting is scheduled; no "
            "readout of either ministry mentions one.",
            "medium",
        ),
    },
    {
        "statement": (
            "Khawaja Asif has arrived in Qingdao to lead Pakistan's delegation at the SCO "
            "Defence Ministers' Meeting."
        ),
        "claimant": "Pakistan's Foreign Office",
        "context": "",
        "tags": ["sco", "pakistan"],
        "first_seen_at": datetime(2025, 6, 25, 6, 0, tzinfo=UTC),
        "resolves_at": None,
        "evidence": [
            (
                "https://mofa.gov.pk/press-releases/response-to-speculation-sco-defence-ministers-meeting",
                "supports",
                "Response to speculation regarding SCO Defence Ministers' Meeting",
                "The Defence Minister reached Qingdao, China to participate in the SCO meeting.",
            ),
            (
                "https://arynews.tv/defense-minister-reaches-china-to-attend-sco-meeting/",
                "supports",
                "Defense Minister reaches China to attend SCO Defence Ministers' Meeting",
                "",
            ),
        ],
        "verdict": ("confirmed", "Stated by Pakistan's Foreign Office.", "high"),
    },
    {
        "statement": (
            "Rajnath Singh is scheduled to hold bilateral meetings with the defence ministers "
            "of China and Russia in Qingdao."
        ),
        "claimant": "Turkish media",
        "context": "Reported by Turkish media; India's Ministry of Defence had not confirmed it.",
        "tags": ["sco", "india"],
        "first_seen_at": datetime(2025, 6, 24, 12, 0, tzinfo=UTC),
        "resolves_at": datetime(2025, 6, 27, 18, 0, tzinfo=UTC),
        "evidence": [
            (
                "https://www.aa.com.tr/en/asia-pacific/pakistan-india-defence-chiefs-may-meet-at-sco-qingdao/3581101",
                "supports",
                "Pakistan and India defence chiefs may meet on SCO sidelines in Qingdao",
                "Singh is scheduled to hold meetings with the defence ministers of China, Russia, "
                "and other nations.",
            ),
            (
                "https://www.hindustantimes.com/india-news/rajnath-singh-to-attend-sco-meet-in-qingdao-101750700000000.html",
                "neutral",
                "Rajnath Singh to attend SCO defence ministers' meet in Qingdao",
                "",
            ),
        ],
        "verdict": None,
    },
    {
        "statement": (
            "National Security Advisor Lt Gen Asim Malik attended the 20th meeting of SCO "
            "Security Council secretaries in Beijing."
        ),
        "claimant": "Xinhua",
        "context": "",
        "tags": ["sco", "pakistan"],
        "first_seen_at": datetime(2025, 6, 24, 15, 0, tzinfo=UTC),
        "resolves_at": None,
        "evidence": [
            (
                "https://english.news.cn/20250624/sco-security-council-secretaries-meeting-beijing/c.html",
                "supports",
                "SCO Security Council secretaries meet in Beijing",
                "",
            ),
        ],
        "verdict": None,
    },
]


# What the two Turkish reports said when first captured: TRT World carried Anadolu's wire
# story, so the claim page counts them as one origin (docs/origins.md).
WIRE_STORY = (
    "Pakistan's Defence Minister Khawaja Asif and his Indian counterpart Rajnath Singh may "
    "hold their first face-to-face meeting since the recent military standoff on the "
    "sidelines of the Shanghai Cooperation Organisation defence ministers' meeting in "
    "Qingdao this week, diplomatic sources said. Asif will lead the Pakistani delegation at "
    "the two-day forum, while Singh is scheduled to hold meetings with the defence ministers "
    "of China, Russia, and other nations. The two ministers are expected to attend the "
    "two-day forum, and contacts between the two delegations have not been ruled out."
)
# Each seeded snapshot keeps the page it was read from as its capture, marked as such.
SEEDED = "seeded by manage.py seed_demo: the demo's retelling, not fetched"
SNAPSHOTS = {
    "aa.com.tr": WIRE_STORY,
    "trtworld.com": WIRE_STORY.replace("diplomatic sources said", "according to Anadolu Agency"),
}


class Command(BaseCommand):
    help = "Load the SCO demo story and the demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--pages-url",
            default="",
            help="Link the demo pages served there (manage.py demo_pages) instead of the "
            "outlets' real addresses, e.g. http://127.0.0.1:8001",
        )

    @transaction.atomic
    def handle(self, *args, pages_url: str = "", **options):
        self.pages_url = pages_url.rstrip("/")
        password = self._users()
        outlets = {
            domain: (name, kind, country, grade) for name, domain, kind, country, grade in OUTLETS
        }
        for domain, (name, kind, country, grade) in outlets.items():
            if not Outlet.objects.filter(domain=domain).exists():
                outlet_create(
                    name=name,
                    domain=domain,
                    kind=kind,
                    country=country,
                    reliability=grade,
                    actor=None,
                )
        User = get_user_model()
        analyst = User.objects.get(username="analyst")
        editor = User.objects.get(username="editor")
        created = 0
        for spec in CLAIMS:
            claim = Claim.objects.filter(statement=spec["statement"]).first()
            if claim is None:
                claim = services.claim_create(
                    statement=spec["statement"],
                    context=spec["context"],
                    claimant=spec["claimant"],
                    tags=spec["tags"],
                    first_seen_at=spec["first_seen_at"],
                    resolves_at=spec["resolves_at"],
                    actor=analyst,
                    created_at=spec["first_seen_at"] + STEP,
                )
                created += 1
            # The story happened in June 2025: each step a few hours after the last.
            for step, (url, stance, title, quote) in enumerate(spec["evidence"], start=2):
                url, slug = self._local(url)
                source = Source.objects.filter(url=normalize_url(url)).first()
                if source and Evidence.objects.filter(claim=claim, source=source).exists():
                    continue
                added_at = spec["first_seen_at"] + step * STEP
                evidence = services.evidence_add(
                    claim=claim,
                    url=url,
                    stance=stance,
                    title=title,
                    quote=quote,
                    actor=analyst,
                    added_at=added_at,
                )
                if slug:
                    self._as_linked(evidence.source, slug, at=added_at)
            if spec["verdict"] and claim.status == Claim.Status.UNVERIFIED:
                status, rationale, confidence = spec["verdict"]
                services.verdict_set(
                    claim=claim,
                    status=status,
                    rationale=rationale,
                    confidence=confidence,
                    expected_version=claim.version,
                    actor=editor,
                    at=VERDICTS_AT,
                )
        if not self.pages_url:  # the demo pages tell this change to the first check
            self._story_events()
        else:
            self._feed()
        self._origins()
        # Each stance was given for the snapshot the story recorded for its source,
        # said on the timeline before the verdicts, as the story has it.
        services.evidence_judge_pending(
            source_ids=Evidence.objects.filter(judged_snapshot=None).values_list(
                "source_id", flat=True
            ),
            at=VERDICTS_AT - STEP,
        )
        self.stdout.write(
            f"Demo data ready: {Claim.objects.count()} claims ({created} new), "
            f"{Source.objects.count()} sources, {Outlet.objects.count()} outlets."
        )
        if password:
            self.stdout.write(f"Demo users analyst, editor and admin have the password: {password}")

    def _feed(self) -> None:
        """Hindustan Times' feed on the demo pages, polled by beat (discovery)."""
        url = f"{self.pages_url}{FEED_PATH}"
        if not Feed.objects.filter(url=normalize_url(url)).exists():
            outlet = Outlet.objects.get(domain=FEED_OUTLET)
            feed_add(outlet=outlet, url=url, kind=Feed.Kind.RSS, actor=None)

    def _local(self, url: str) -> tuple[str, str]:
        """The demo page standing in for `url` (and its slug), or `url` itself."""
        slug = BY_REAL_URL.get(url, "") if self.pages_url else ""
        return (f"{self.pages_url}/{slug}", slug) if slug else (url, "")

    def _as_linked(self, source: Source, slug: str, *, at) -> None:
        """The imitated outlet, and the snapshot the page had when it was linked."""
        article = ARTICLES[slug]
        outlet = Outlet.objects.get(domain=article["outlet"])
        if source.outlet_id != outlet.pk or not source.snapshots.exists():
            html = page_html(article["title"], article["text"])
            snapshot_record(
                source=source,
                extracted=changes.extract(html, url=source.url, content_type="text/html"),
                outlet=outlet,
                at=at,
                page=html,
                page_origin=SEEDED,
            )

    def _users(self) -> str | None:
        """Create the demo users; return the password when one was set now."""
        password = settings.DEMO_PASSWORD or None
        User = get_user_model()
        new_users = [
            name
            for name in ("analyst", "editor", "admin")
            if not User.objects.filter(username=name).exists()
        ]
        if new_users and not password:
            password = secrets.token_urlsafe(9)
        roles = {"analyst": "Analysts", "editor": "Editors", "admin": "Editors"}
        for username, group in roles.items():
            user, made = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@claimwatch.invalid"}
            )
            if username == "admin":
                user.is_staff = user.is_superuser = True
            if made or settings.DEMO_PASSWORD:
                user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=group))
        return password if (new_users or settings.DEMO_PASSWORD) else None

    def _origins(self) -> None:
        """Fingerprint the demo sources' snapshots, so the claim pages show their origins
        (docs/origins.md): TRT World's report says it carries Anadolu's. Without the demo
        pages the two Turkish reports get the snapshot they had when first captured."""
        for domain, text in SNAPSHOTS.items():
            source = Source.objects.filter(outlet__domain=domain).first()
            if source is not None and not source.snapshots.exists():
                snapshot_record(
                    source=source,
                    extracted=changes.Extracted(source.title, text),
                    at=VERDICTS_AT - 6 * STEP,
                    page=page_html(source.title, text),
                    page_origin=SEEDED,
                )
        demo = Source.objects.filter(
            outlet__domain__in=[domain for _, domain, *_ in OUTLETS],
            snapshots__isnull=False,
            fingerprint__isnull=True,
        ).distinct()
        for source in demo:
            snapshot = source.snapshots.order_by("-created_at", "-id").first()
            fingerprint = origins.fingerprint(text=snapshot.text or snapshot.title, url=source.url)
            source_fingerprint_store(source=source, fingerprint=fingerprint, snapshot=snapshot)
            services.origins_update_for_source(source=source)

    def _story_events(self) -> None:
        """A source that changed on its own: the Turkish report rewrote its headline."""
        source = Source.objects.filter(url__contains="aa.com.tr").first()
        if source is None:
            return
        if ClaimEvent.objects.filter(
            source=source, kind=ClaimEvent.Kind.SOURCE_HEADLINE_CHANGED
        ).exists():
            return
        services.source_event_record(
            source=source,
            kind=ClaimEvent.Kind.SOURCE_HEADLINE_CHANGED,
            payload={
                "before": {"title": source.title},
                "after": {"title": "Pakistan says no meeting planned with India at SCO in Qingdao"},
            },
            at=VERDICTS_AT - STEP,
        )
