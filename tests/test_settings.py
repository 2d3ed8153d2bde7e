"""Settings come from the environment: production variables pass `check --deploy`; with
nothing set, JXC falls back to SQLite and Celery's filesystem transport under ./data."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "p" * 20 + "-production-secret-key-that-is-long-and-random-0123456789",
    "ALLOWED_HOSTS": "jxc.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "JXC_SECURE_COOKIES": "true",
    "BEHIND_PROXY": "true",
    "STATIC_MANIFEST": "true",
    "DATABASE_URL": "postgres://jxc@db:5432/jxc",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
}
CLEARED = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "JXC_SECURE_COOKIES",
    "STATIC_MANIFEST",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _run(args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(env_extra)
    env["JXC_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_nothing_with_production_variables(tmp_path):
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_complains_when_production_variables_are_missing(tmp_path):
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], {}, tmp_path)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS
    assert "security.W008" in result.stderr + result.stdout  # no SSL redirect


def test_with_nothing_set_jxc_uses_sqlite_and_the_filesystem_broker_under_the_data_folder(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE']); print(s.DATABASES['default']['NAME']); "
        "print(s.CELERY_BROKER_URL); print(s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'])"
    )
    result = _run(["shell", "--no-imports", "-c", code], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    engine, name, broker, folder = result.stdout.split()
    data = tmp_path / "data"
    assert engine == "django.db.backends.sqlite3"
    assert name == str(data / "jxc.sqlite3")
    assert broker == "filesystem://"
    assert folder.startswith(str(data))
    # A random secret key was made for this install and kept out of git, in the data folder.
    assert len((data / "secret_key").read_text().strip()) >= 50


def test_the_data_folder_is_ignored_by_git():
    assert "/data/" in (ROOT / ".gitignore").read_text().split()
