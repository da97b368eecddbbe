"""bench/feeds.py at a small size: feeds are polled on a local server, then all answer 304,
and the 304 path is measured beside monitoring's fetching of the same URLs."""

import importlib.util

import pytest
from django.conf import settings

from discovery.models import Article
from sources.models import Feed

spec = importlib.util.spec_from_file_location(
    "bench_feeds", settings.BASE_DIR / "bench" / "feeds.py"
)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


@pytest.mark.django_db
def test_it_measures_feeds_polled_beside_source_checks(monitor_settings, settings):
    settings.DISCOVERY_BATCH_SIZE = 10
    figures = bench.measure(30, hosts=3, items=5, rounds=1)
    assert figures["first_poll"]["articles"] == 150 and figures["first_poll"]["failed"] == 0
    assert Article.objects.count() == 150
    assert set(Feed.objects.values_list("http_status", flat=True)) == {304}
    assert Feed.objects.exclude(etag="").exclude(last_modified="").count() == 30
    assert figures["not_modified_per_s"] > 0 and figures["fetch_304_per_s"] > 0
    assert figures["not_modified_share_of_checks"] > 0
