"""manage.py check_source: the worker's check for one source, or a dry run for a new URL."""

import pytest
from django.core.management import CommandError, call_command

from claims.models import ClaimEvent
from sources.models import CheckAttempt, Snapshot, Source

from ..sites import article

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("check_source", *args, stdout=out)
    return out.getvalue()


def test_it_checks_a_source_by_code_and_prints_the_outcome(make_source, site):
    source = make_source("/a")
    out = run(str(source.code))
    assert "state: live" in out and "http status: 200" in out
    assert "change: first" in out and " ms" in out
    site.set("/a", article("No meeting planned"))
    out = run(source.url)
    assert "change: headline" in out and "event: source_headline_changed" in out
    assert Snapshot.objects.filter(source=source).count() == 2


def test_it_fails_with_a_non_zero_exit_when_the_page_is_down(make_source, site):
    source = make_source("/down", body="oops", status=500)
    with pytest.raises(CommandError, match="error"):
        run(str(source.code))
    assert CheckAttempt.objects.get(source=source).outcome == "error"


def test_it_fails_when_the_guard_blocks_the_source(make_source, settings):
    source = make_source("/a")
    settings.FETCH_ALLOW_PRIVATE = False
    with pytest.raises(CommandError, match="blocked"):
        run(str(source.code))
    assert Source.objects.get(pk=source.pk).state == Source.State.BLOCKED
    assert ClaimEvent.objects.count() == 0  # no claim cites it


def test_it_dry_runs_a_url_that_is_not_a_source(site):
    url = site.set("/new", article("Ministers to meet"))
    out = run(url)
    assert "dry run" in out and "title: Ministers to meet" in out and "Qingdao" in out
    assert Source.objects.count() == 0 and CheckAttempt.objects.count() == 0


def test_it_refuses_a_private_address_in_a_dry_run(settings):
    settings.FETCH_ALLOW_PRIVATE = False
    with pytest.raises(CommandError, match="blocked"):
        run("http://127.0.0.1:9/")
    assert Source.objects.count() == 0


def test_it_says_so_for_an_unknown_code():
    with pytest.raises(CommandError, match="No source"):
        run("6f1c1c38-9a0e-4d7e-9c1a-3b0a3f9d2b11")
