"""The settings parser refuses bad values with a message naming the variable."""

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from claimwatch.settings import envbool, envint, envurl


def test_it_reads_booleans(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    assert envbool("X_FLAG", "false") is True
    monkeypatch.setenv("X_FLAG", "off")
    assert envbool("X_FLAG", "true") is False


def test_it_refuses_a_bad_boolean(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        envbool("X_FLAG", "false")


def test_it_refuses_a_bad_number(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM='ten' is not a whole number"):
        envint("X_NUM", "1")


def test_it_refuses_a_number_below_the_minimum(monkeypatch):
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum of 1"):
        envint("X_NUM", "5", minimum=1)


def test_it_refuses_a_broker_url_of_another_kind(monkeypatch):
    monkeypatch.setenv("X_URL", "amqp://guest@localhost//")
    with pytest.raises(ImproperlyConfigured, match="X_URL"):
        envurl("X_URL", "filesystem://", schemes=("redis", "filesystem"))


def _settings_in_subprocess(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='claimwatch.settings'; "
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL)"
    )
    base = {"PATH": "/usr/bin:/bin", "CLAIMWATCH_VAR_DIR": env.pop("VAR", "/tmp/cw-settings")}
    return subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True
    )


def test_it_refuses_to_start_without_a_secret_key_in_production():
    result = _settings_in_subprocess({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_defaults_to_sqlite_and_the_filesystem_broker(tmp_path):
    result = _settings_in_subprocess({"DEBUG": "true", "VAR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]
    assert (tmp_path / "celery" / "queue").is_dir()


def test_it_uses_postgres_and_redis_when_given():
    result = _settings_in_subprocess(
        {
            "DEBUG": "true",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://127.0.0.1:6379/3",
    ]


def test_it_refuses_a_database_url_of_another_kind():
    result = _settings_in_subprocess({"DEBUG": "true", "DATABASE_URL": "mysql://root@localhost/x"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_production_settings_pass_the_deploy_check():
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-check-only-1234567890",
        "ALLOWED_HOSTS": "claims.example.org",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/claimwatch",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_HOST": "smtp.example.org",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _site_url(env: dict) -> str:
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='claimwatch.settings'; "
        "from django.conf import settings; print(settings.SITE_URL)"
    )
    base = {"PATH": "/usr/bin:/bin", "CLAIMWATCH_VAR_DIR": "/tmp/cw-settings", "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_it_links_to_the_port_the_server_listens_on_without_a_site_url():
    assert _site_url({}) == "http://127.0.0.1:8000"
    assert _site_url({"PORT": "8123"}) == "http://127.0.0.1:8123"
    assert _site_url({"PORT": "8123", "SITE_URL": "https://claims.example.org/"}) == (
        "https://claims.example.org"
    )
