import pytest
from django.core.exceptions import ValidationError

from sources.urlnorm import domain_of, normalize_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.COM/Path", "http://example.com/Path"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a/", "https://example.com/a/"),
        ("https://example.com/a", "https://example.com/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("example.com/story", "https://example.com/story"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://bücher.example/a", "https://xn--bcher-kva.example/a"),
        ("https://[2001:DB8::1]:8443/a", "https://[2001:db8::1]:8443/a"),
    ],
)
def test_it_normalises_scheme_host_port_fragment_and_path(raw, expected):
    assert normalize_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://e.com/a?utm_source=tw&utm_medium=social&id=7", "https://e.com/a?id=7"),
        ("https://e.com/a?fbclid=IwAR0&gclid=abc", "https://e.com/a"),
        ("https://e.com/a?UTM_Campaign=x&b=2&a=1", "https://e.com/a?b=2&a=1"),
        ("https://e.com/a?q=&page=2", "https://e.com/a?q=&page=2"),
    ],
)
def test_it_drops_tracking_parameters_and_keeps_the_rest_in_order(raw, expected):
    assert normalize_url(raw) == expected


def test_it_gives_one_form_for_the_variants_of_one_article():
    variants = [
        "https://WWW.Dawn.com/news/1917480?utm_source=twitter#comments",
        "https://www.dawn.com:443/news/1917480",
        "https://www.dawn.com/news/1917480?fbclid=x",
    ]
    assert {normalize_url(url) for url in variants} == {"https://www.dawn.com/news/1917480"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter a URL"),
        ("ftp://example.com/file", "Only http and https"),
        ("javascript:alert(1)", "Only http and https"),
        ("file:///etc/passwd", "Only http and https"),
        ("https://user:secret@example.com/", "user name and password"),
        ("https://", "no host name"),
        ("https://exa mple.com/", "not a valid URL"),
        ("https://example.com:99999/", "not a valid URL"),
    ],
)
def test_it_refuses_what_cannot_be_a_source(raw, message):
    with pytest.raises(ValidationError, match=message):
        normalize_url(raw)


def test_it_takes_the_outlet_domain_without_www():
    assert domain_of("https://www.dawn.com/news/1") == "dawn.com"
    assert domain_of("https://english.news.cn/x") == "english.news.cn"
