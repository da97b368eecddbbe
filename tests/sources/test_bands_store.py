"""`source_fingerprints_store` keeps each source's LSH band rows (inserted on PostgreSQL in
one INSERT ... SELECT FROM unnest()) as the model objects it built before: one row per
band, the band's index and its signed 64-bit hash, replaced whole at the next store."""

import pytest

from sources import origins
from sources.models import Source, SourceBand, SourceFingerprint
from sources.services import source_fingerprints_store

SEED = "The minister said on Tuesday that the bridge would reopen in spring, officials say. "


def fingerprint(text: str) -> origins.Fingerprint:
    return origins.fingerprint(text=text, html="", url="https://news.example.org/a")


def bands_of(source: Source) -> list[tuple[int, int]]:
    return list(
        SourceBand.objects.filter(source=source).order_by("band").values_list("band", "hash")
    )


@pytest.mark.django_db
def test_it_stores_every_band_of_every_source_and_replaces_them():
    one = Source.objects.create(url="https://news.example.org/one")
    two = Source.objects.create(url="https://news.example.org/two")
    empty = Source.objects.create(url="https://news.example.org/empty")
    first, second = fingerprint(SEED * 20), fingerprint("Another story entirely. " * 30)
    assert len(first.bands) == origins.BANDS
    assert any(h < 0 for h in first.bands + second.bands)  # signed 64-bit values survive
    assert fingerprint("").bands == ()

    source_fingerprints_store(
        fingerprints=[(one, first, None), (two, second, None), (empty, fingerprint(""), None)]
    )
    assert bands_of(one) == list(enumerate(first.bands))
    assert bands_of(two) == list(enumerate(second.bands))
    assert bands_of(empty) == []
    assert SourceFingerprint.objects.count() == 3

    edited = fingerprint(SEED * 19 + "The bridge will not reopen before summer. ")
    source_fingerprints_store(fingerprints=[(one, edited, None)])
    assert bands_of(one) == list(enumerate(edited.bands))
    assert bands_of(two) == list(enumerate(second.bands))  # another source's rows stay
    assert SourceBand.objects.count() == 2 * origins.BANDS
    source_fingerprints_store(fingerprints=[])  # nothing to store: no query fails
