"""Deployment: the compose file against the Compose Specification, check --deploy, /healthz."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "coinportal.settings.production",
    "SECRET_KEY": "x" * 10 + "-production-test-key-with-enough-entropy-0123456789abcdef",
    "ALLOWED_HOSTS": "portal.example.org",
    "SITE_URL": "https://portal.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
    "REDIS_URL": "",
}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_file_validates_against_the_compose_specification(compose):
    schema = json.loads((ROOT / "tests" / "schemas" / "compose-spec.json").read_text(encoding="utf-8"))
    # The vendored schema names draft 2019-09 by a non-canonical URI; choose that draft explicitly.
    jsonschema.Draft201909Validator(schema).validate(compose)


def test_compose_has_the_five_services_and_a_one_shot_migration(compose):
    assert set(compose["services"]) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert compose["services"]["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        assert compose["services"][name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "migrate" not in " ".join(compose["services"][name].get("command", []))


def test_every_long_running_service_has_a_health_check(compose):
    for name, service in compose["services"].items():
        if name == "migrate":
            continue
        assert "test" in service["healthcheck"], name


def test_named_volumes_hold_database_and_uploads(compose):
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "media"}
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]
    assert "media:/app/media" in compose["services"]["web"]["volumes"]


def test_env_example_documents_every_variable_the_compose_file_uses(compose):
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for var in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "POSTGRES_PASSWORD"):
        assert f"\n{var}=" in example, var


def _manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the browser tests
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_with_production_settings_reports_nothing():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env_overrides={**PROD_ENV, "SECRET_KEY": ""})
    assert result.returncode == 1
    assert "SECRET_KEY must be set" in result.stderr
