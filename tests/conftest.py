"""Shared fixtures: an analyst, an editor and an outsider (signed in, in no group)."""

import socket
import uuid

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from claims import services
from intake import jobs as import_jobs
from intake.models import ImportJob

from .roles import ensure_roles
from .sites import (  # noqa: F401 (the local web site's fixtures, for every test)
    cited_source,
    flipped,
    keep_groups,
    make_source,
    monitor_settings,
    site,
    worker,
)


@pytest.fixture(scope="session", autouse=True)
def collected_static():
    """Production serves hashed static files from a manifest; tests render with it too."""
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Each test its own cache keys in the shared Redis (public pages, rate counters):
    a new KEY_PREFIX, so nothing cached by one test is read by another."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }


@pytest.fixture
def capture_dir(settings, tmp_path):
    """Captures stored under the test's own folder (sources.captures.storage)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "captures": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "captures")},
        },
    }
    return tmp_path / "captures"


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, group: str | None = None, **extra):
        user = django_user_model.objects.create_user(
            username=username, password="correct horse battery", **extra
        )
        if group:
            ensure_roles()
            user.groups.add(Group.objects.get(name=group))
        return django_user_model.objects.get(pk=user.pk)  # fresh permission cache

    return make


@pytest.fixture
def analyst(make_user):
    return make_user("alice", "Analysts")


@pytest.fixture
def editor(make_user):
    return make_user("erin", "Editors")


@pytest.fixture
def outsider(make_user):
    return make_user("oscar")


@pytest.fixture
def claim(analyst):
    return services.claim_create(
        statement="The two defence ministers will meet at the SCO summit.",
        context="Turkish media reports.",
        tags=["sco", "defence"],
        actor=analyst,
    )


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def run_import_jobs():
    """Run the import jobs the page queued, here, as the worker would (intake.tasks.
    run_import's body); the real worker runs them in tests/intake/test_import_jobs.py."""

    def run() -> list[str]:
        return [import_jobs.job_run(job.pk) for job in ImportJob.objects.filter(state="queued")]

    return run


@pytest.fixture
def redis_away(settings):
    """The cache pointed at a port nothing listens on: what a stopped Redis looks like."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
