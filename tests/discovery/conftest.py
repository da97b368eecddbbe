import pytest

from claims import services
from claims.management.commands.seed_demo import MEETING
from sources.models import Feed
from sources.services import outlet_for_url


@pytest.fixture
def meeting(analyst):
    """The demo's SCO claim, with a decided claim and an unrelated one beside it."""
    services.claim_create(
        statement="Volcanic ash grounds flights across northern Europe.", actor=analyst
    )
    return services.claim_create(statement=MEETING, actor=analyst)


@pytest.fixture
def make_feed(site):
    def make(path: str = "/feed.xml", body: str = "", content_type: str = "application/rss+xml"):
        url = site.set(path, body, **{"Content-Type": content_type})
        return Feed.objects.create(
            outlet=outlet_for_url(url), url=url, kind=Feed.Kind.RSS, found_by=Feed.FoundBy.EDITOR
        )

    return make
