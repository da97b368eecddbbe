import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sources.models import Outlet, Source
from sources.services import outlet_create, outlet_update, source_get_or_create

pytestmark = pytest.mark.django_db


def test_it_creates_an_outlet_with_a_clean_domain(analyst):
    outlet = outlet_create(name="Dawn", domain=" WWW.Dawn.com. ", kind="news", actor=analyst)
    assert outlet.domain == "dawn.com"
    assert outlet.reliability == "F"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"domain": ""}, "domain"),
        ({"domain": "x.org", "kind": "blog"}, "kind"),
        ({"domain": "x.org", "reliability": "G"}, "reliability"),
    ],
)
def test_it_refuses_a_bad_outlet_and_writes_nothing(analyst, fields, field):
    with pytest.raises(ValidationError) as exc:
        outlet_create(name="X", actor=analyst, **fields)
    assert field in exc.value.message_dict
    assert not Outlet.objects.exists()


def test_it_refuses_a_second_outlet_for_a_domain(analyst):
    outlet_create(name="Dawn", domain="dawn.com", actor=analyst)
    with pytest.raises(ValidationError, match="domain"):
        outlet_create(name="Dawn again", domain="www.dawn.com", actor=analyst)


def test_it_lets_only_editors_grade_an_outlet(analyst, editor):
    outlet = outlet_create(name="Dawn", domain="dawn.com", actor=analyst)
    with pytest.raises(PermissionDenied):
        outlet_update(outlet=outlet, reliability="B", actor=analyst)
    outlet_update(outlet=outlet, reliability="B", actor=editor)
    assert Outlet.objects.get(pk=outlet.pk).reliability == "B"


def test_it_refuses_a_bad_grade_and_keeps_the_old_one(editor):
    outlet = outlet_create(name="Dawn", domain="dawn.com", reliability="C", actor=editor)
    with pytest.raises(ValidationError):
        outlet_update(outlet=outlet, reliability="Z", actor=editor)
    assert Outlet.objects.get(pk=outlet.pk).reliability == "C"


def test_it_finds_a_source_by_its_normalised_url(analyst):
    source, created = source_get_or_create(
        url="https://www.dawn.com/news/1?utm_source=x", title="Title", actor=analyst
    )
    again, created_again = source_get_or_create(
        url="https://WWW.dawn.com/news/1#top", actor=analyst
    )
    assert (created, created_again) == (True, False)
    assert again == source
    assert source.outlet.domain == "dawn.com"
    assert Source.objects.count() == 1


def test_it_refuses_a_source_for_an_outsider(outsider):
    with pytest.raises(PermissionDenied):
        source_get_or_create(url="https://www.dawn.com/news/1", actor=outsider)
    assert not Source.objects.exists()
