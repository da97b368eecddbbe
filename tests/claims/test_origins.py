"""Origins: which of a claim's sources repeat one report (claims.origins, sources.origins)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import selectors, services
from claims.models import Claim, ClaimEvent, Evidence
from sources import origins
from sources.models import Outlet
from sources.services import source_fingerprint_store

pytestmark = pytest.mark.django_db

WIRE = (
    "Pakistan's Defence Minister Khawaja Asif and his Indian counterpart Rajnath Singh may "
    "hold their first face-to-face meeting since the recent military standoff on the "
    "sidelines of the SCO defence ministers' meeting in Qingdao this week, diplomatic "
    "sources said. Asif will lead the Pakistani delegation at the two-day forum, while "
    "Singh is scheduled to hold meetings with the defence ministers of China and Russia."
)
OWN = (
    "Islamabad rejected reports of a meeting in China, saying no such meeting was on the "
    "agenda. The clarification came after stories about a possible encounter appeared."
)


def link(claim, actor, url, stance="supports", text=None, outlet=None, **references):
    """Link a source; with `text`, give it a snapshot's fingerprint as a check would."""
    evidence = services.evidence_add(claim=claim, url=url, stance=stance, actor=actor)
    source = evidence.source
    if outlet:
        source.outlet = Outlet.objects.update_or_create(
            domain=outlet[1], defaults={"name": outlet[0]}
        )[0]
        source.save(update_fields=["outlet"])
    if text is not None:
        fingerprint = origins.fingerprint(text=text, url=source.url)
        if references:
            fingerprint = origins.Fingerprint(
                signature=fingerprint.signature,
                bands=fingerprint.bands,
                names=fingerprint.names,
                **references,
            )
        source_fingerprint_store(source=source, fingerprint=fingerprint)
        services.origins_update_for_source(source=source)
    return Evidence.objects.get(pk=evidence.pk)


def origin_of(evidence):
    return Evidence.objects.get(pk=evidence.pk).origin_id


# --- the pure parts -----------------------------------------------------------------------


def test_it_finds_who_a_text_says_it_reports_and_not_the_traps():
    text = (
        "TRT World reported on Tuesday, citing the state-run Anadolu Agency, that Asif will "
        "go. An official told AFP the talks were on. According to the schedule, it opens on "
        "Wednesday. On Monday officials reported nothing."
    )
    assert origins.attributed_names(text) == ("anadolu agency", "afp", "trt world")
    assert origins.wire_name("anadolu agency") == "Anadolu Agency"
    assert origins.wire_name("trt world") == ""


def test_it_reads_canonical_and_syndication_links_from_the_html():
    html = (
        '<html><head><link rel="canonical" href="https://www.aa.com.tr/en/story/1"></head>'
        '<body><a href="https://mofa.gov.pk/press?utm_source=x">statement</a></body></html>'
    )
    canonical, links = origins.html_references(html, url="https://www.trtworld.com/a")
    assert canonical == "https://www.aa.com.tr/en/story/1"
    assert links == ("https://mofa.gov.pk/press",)
    own = '<html><head><meta property="og:url" content="https://x.example.com/a"></head></html>'
    assert origins.html_references(own, url="https://x.example.com/a") == ("", ())
    syndicated = (
        '<html><head><meta name="syndication-source" content="https://ap.example.com/s"></head>'
    )
    assert (
        origins.html_references(syndicated, url="https://x.example.com/a")[0]
        == "https://ap.example.com/s"
    )


def test_it_estimates_similarity_from_signatures():
    copy = WIRE.replace("diplomatic sources said", "according to Anadolu Agency")
    assert origins.similarity(origins.signature(WIRE), origins.signature(copy)) > 0.6
    assert origins.similarity(origins.signature(WIRE), origins.signature(OWN)) < 0.1
    assert origins.signature("") == b"" and origins.band_hashes(b"") == ()
    assert len(origins.band_hashes(origins.signature(WIRE))) == origins.BANDS


# --- grouping a claim ---------------------------------------------------------------------


def test_it_keeps_a_source_never_checked_as_its_own_origin(claim, analyst):
    first = link(claim, analyst, "https://www.aa.com.tr/en/1")
    second = link(claim, analyst, "https://www.trtworld.com/1")
    assert origin_of(first) is None and origin_of(second) is None
    counts = selectors.origin_counts(selectors.claim_evidence(claim))
    assert counts == {"supports": 2, "denies": 0, "neutral": 0}


def test_it_groups_a_copy_once_its_first_snapshot_arrives(claim, analyst):
    aa = link(claim, analyst, "https://www.aa.com.tr/en/1", text=WIRE)
    trt = link(claim, analyst, "https://www.trtworld.com/1")
    fo = link(claim, analyst, "https://mofa.gov.pk/1", stance="denies", text=OWN)
    assert origin_of(trt) != origin_of(aa)
    assert Evidence.objects.get(pk=trt.pk).origin_reason.startswith("not checked yet")
    copy = WIRE.replace("diplomatic sources said", "officials said on Tuesday")
    source_fingerprint_store(source=trt.source, fingerprint=origins.fingerprint(text=copy))
    services.origins_update_for_source(source=trt.source)
    assert origin_of(trt) == origin_of(aa) != origin_of(fo)
    assert Evidence.objects.get(pk=trt.pk).origin_reason.startswith("near-duplicate text of")
    counts = selectors.origin_counts(selectors.claim_evidence(claim))
    assert counts == {"supports": 1, "denies": 1, "neutral": 0}


def test_it_groups_by_attribution_to_an_outlet_of_the_claim(claim, analyst):
    aa = link(
        claim,
        analyst,
        "https://aa.example.com/1",
        text=WIRE,
        outlet=("Anadolu Agency", "aa.example.com"),
    )
    rewrite = "Asif and Singh could meet in Qingdao, according to Anadolu. Nothing is confirmed."
    trt = link(
        claim,
        analyst,
        "https://trt.example.com/1",
        text=rewrite,
        outlet=("TRT World", "trt.example.com"),
    )
    assert origin_of(trt) == origin_of(aa)
    assert Evidence.objects.get(pk=trt.pk).origin_reason == "says it reports Anadolu Agency"
    # A denial that names the agency is not its copy: attribution groups one stance.
    denial = "Anadolu Agency reported a meeting; the ministry says there is none."
    fo = link(
        claim,
        analyst,
        "https://fo.example.com/1",
        "denies",
        text=denial,
        outlet=("FO", "fo.example.com"),
    )
    assert origin_of(fo) != origin_of(aa)


def test_it_groups_by_canonical_link_and_by_link(claim, analyst):
    aa = link(claim, analyst, "https://aa.example.com/1", text=WIRE)
    excerpt = link(
        claim,
        analyst,
        "https://hurriyet.example.com/1",
        text="A short excerpt.",
        canonical="https://aa.example.com/1",
    )
    fo = link(claim, analyst, "https://fo.example.com/1", "denies", text=OWN)
    dawn = link(
        claim,
        analyst,
        "https://dawn.example.com/1",
        "denies",
        text="The FO said no.",
        links=("https://fo.example.com/1",),
    )
    assert origin_of(excerpt) == origin_of(aa)
    assert origin_of(dawn) == origin_of(fo) != origin_of(aa)


def test_it_splits_and_joins_by_hand_with_events(claim, analyst):
    aa = link(claim, analyst, "https://aa.example.com/1", text=WIRE)
    copy = link(claim, analyst, "https://copy.example.com/1", text=WIRE + " More.")
    other = link(claim, analyst, "https://other.example.com/1", text=OWN)
    assert origin_of(aa) == origin_of(copy)

    services.origin_split(evidence=Evidence.objects.get(pk=copy.pk), actor=analyst)
    assert origin_of(copy) != origin_of(aa)
    split = claim.events.get(kind=ClaimEvent.Kind.ORIGIN_SPLIT)
    assert split.actor == analyst and split.payload["url"] == copy.source.url
    # A new snapshot regroups the claim, and the analyst's split stands.
    services.origins_update_for_source(source=aa.source)
    assert origin_of(copy) != origin_of(aa)
    with pytest.raises(ValidationError):
        services.origin_split(evidence=Evidence.objects.get(pk=copy.pk), actor=analyst)

    services.origin_join(
        evidence=Evidence.objects.get(pk=other.pk),
        other=Evidence.objects.get(pk=copy.pk),
        actor=analyst,
    )
    assert origin_of(other) == origin_of(copy) != origin_of(aa)
    joined = claim.events.get(kind=ClaimEvent.Kind.ORIGIN_JOINED)
    assert joined.payload["after"]["sources"] == 2
    counts = selectors.origin_counts(selectors.claim_evidence(claim))
    assert counts["supports"] == 2


def test_it_refuses_a_split_or_join_to_an_outsider(claim, analyst, outsider):
    first = link(claim, analyst, "https://aa.example.com/1", text=WIRE)
    second = link(claim, analyst, "https://copy.example.com/1", text=WIRE)
    with pytest.raises(PermissionDenied):
        services.origin_split(evidence=first, actor=outsider)
    with pytest.raises(PermissionDenied):
        services.origin_join(evidence=first, other=second, actor=outsider)
    assert not Evidence.objects.filter(origin_pinned=True).exists()


def test_it_regroups_in_the_same_queries_however_many_sources_exist(claim, analyst):
    """Incremental: a new snapshot costs the same whether 0 or 40 other sources exist."""
    aa = link(claim, analyst, "https://aa.example.com/1", text=WIRE)
    link(claim, analyst, "https://copy.example.com/1", text=WIRE)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            services.origins_update_for_source(source=aa.source)
        return len(queries)

    cost()  # settles the reasons written by the links above
    before = cost()
    for n in range(40):
        other = Claim.objects.create(statement=f"Another claim {n}")
        link(other, analyst, f"https://elsewhere.example.com/{n}", text=WIRE + f" Copy {n}.")
    assert cost() == before


def test_it_counts_origins_in_the_list_and_sorts_by_independent_support(claim, analyst):
    link(claim, analyst, "https://aa.example.com/1", text=WIRE)
    link(claim, analyst, "https://copy.example.com/1", text=WIRE)
    link(claim, analyst, "https://copy2.example.com/1", text=WIRE)
    two = services.claim_create(statement="Two independent reports say so.", actor=analyst)
    link(two, analyst, "https://a.example.com/1", text=WIRE)
    link(two, analyst, "https://b.example.com/1", text=OWN)
    listed = list(selectors.claim_list(sort="independent"))
    assert [c.pk for c in listed] == [two.pk, claim.pk]
    assert (listed[1].supports_count, listed[1].supports_origins) == (3, 1)
    assert (listed[0].supports_count, listed[0].supports_origins) == (2, 2)


def test_it_groups_copies_naming_one_syndicated_original_not_a_page_naming_itself(claim, analyst):
    original = "https://apnews.example.com/article/1"
    first = link(claim, analyst, "https://a.example.com/1", text="One.", canonical=original)
    second = link(claim, analyst, "https://b.example.com/1", text="Two.", canonical=original)
    own = link(
        claim,
        analyst,
        "https://c.example.com/1?ref=home",
        text="Three.",
        canonical="https://www.c.example.com/1",
    )
    assert origin_of(first) == origin_of(second) != origin_of(own)
    assert Evidence.objects.get(pk=first.pk).origin.label == original
    assert Evidence.objects.get(pk=own.pk).origin_reason.startswith("independent")
