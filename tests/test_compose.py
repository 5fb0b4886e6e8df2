"""docker-compose.yml and the Dockerfile, checked as files: this machine has no Docker engine, so what can go
wrong without one (a variable settings ignore, a service pointing at the wrong host, a command CI does not
run, an image running as root) is caught here."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SETTINGS_FILE = ROOT / "config" / "settings.py"

KITH_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat")

# The three process commands. CI runs exactly these against the machine's own services, so a change here
# must be a change there too.
WEB_COMMAND = "gunicorn config.wsgi:application"
WORKER_COMMAND = "celery -A config worker --loglevel=INFO"
BEAT_COMMAND = "celery -A config beat --loglevel=INFO --schedule /data/celerybeat-schedule"

# env("NAME"...), env_bool("NAME"...), env_list("NAME"...), os.environ["NAME"], os.environ.get("NAME"...) and
# os.getenv("NAME"...): every way settings.py can read a variable by a literal name.
_SETTINGS_READ = re.compile(
    r"""\b(?:env|env_bool|env_list|os\.environ\.get|os\.getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|\bos\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}: compose's interpolation.
_INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def settings_env_names() -> set[str]:
    """The environment variables config/settings.py reads, found in its source."""
    text = SETTINGS_FILE.read_text()
    return {a or b for a, b in _SETTINGS_READ.findall(text)}


def with_defaults(value: Any) -> str:
    """The value compose would give with none of the variables set on the host: each ${NAME:-default} becomes
    its default and ${NAME:?message} nothing (compose would refuse to start)."""
    return _INTERPOLATION.sub(lambda m: m["arg"] if m["op"] in {"-", ":-"} else "", str(value))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    # safe_load resolves the <<: merge keys and *anchors, so each service below is what compose sees.
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    return _as_mapping(service.get("environment") or {})


def _as_mapping(env: dict[str, Any] | list[str]) -> dict[str, str]:
    # Compose accepts both `NAME: value` and `- NAME=value`.
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {name: "" if value is None else str(value) for name, value in env.items()}


def _command(service: dict[str, Any]) -> str:
    command = service["command"]
    return command if isinstance(command, str) else shlex.join(command)


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def test_settings_regex_finds_the_variables_settings_read() -> None:
    # A regex that found nothing would make the next test pass vacuously.
    assert {
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
    } <= settings_env_names()


def test_compose_defines_the_database_broker_app_and_mail_services(services: dict[str, Any]) -> None:
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit", "migrate"} <= services.keys()
    assert services["postgres"]["image"] == "postgres:17"
    assert services["redis"]["image"].startswith("redis:7")
    assert services["mailpit"]["image"].startswith("axllent/mailpit")


def test_every_kith_service_runs_one_image_with_one_environment(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    web = services["web"]
    assert web["build"] and web["image"]
    for name in KITH_SERVICES:
        assert services[name]["build"] == web["build"], name
        assert services[name]["image"] == web["image"], name
        assert _environment(services[name]) == _as_mapping(compose["x-kith-env"]), name


def test_compose_sets_only_variables_that_settings_read(services: dict[str, Any]) -> None:
    read = settings_env_names()
    for name in KITH_SERVICES:
        ignored = _environment(services[name]).keys() - read
        assert not ignored, f"{name} sets {sorted(ignored)}, which config/settings.py never reads"


def test_each_host_variable_passes_through_under_its_own_name(compose: dict[str, Any]) -> None:
    # `SITE_URL: ${SITE_URL:-...}`: what an operator exports is what settings sees, never a renamed copy.
    for name, value in _as_mapping(compose["x-kith-env"]).items():
        if match := _INTERPOLATION.fullmatch(value):
            assert match["name"] == name, f"{name} is filled from ${{{match['name']}}}"


def test_database_url_points_at_the_postgres_service(services: dict[str, Any]) -> None:
    url = urlsplit(_environment(services["web"])["DATABASE_URL"])
    postgres = _environment(services["postgres"])
    assert url.scheme in {"postgres", "postgresql"}
    assert url.hostname == "postgres"
    assert url.port in {None, 5432}
    assert url.username == postgres["POSTGRES_USER"]
    # Compared before interpolation: both are filled from the same ${POSTGRES_PASSWORD:-...}.
    assert url.password == postgres["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == postgres["POSTGRES_DB"]


def test_broker_and_cache_point_at_the_redis_service(services: dict[str, Any]) -> None:
    env = _environment(services["web"])
    broker, cache = urlsplit(env["CELERY_BROKER_URL"]), urlsplit(env["CACHE_URL"])
    assert (broker.scheme, broker.hostname) == ("redis", "redis")
    assert (cache.scheme, cache.hostname) == ("redis", "redis")
    # The cache is flushable without losing queued tasks only in a database of its own.
    assert broker.path != cache.path


def test_defaults_run_in_production_mode_with_mail_going_to_mailpit(services: dict[str, Any]) -> None:
    env = {name: with_defaults(value) for name, value in _environment(services["web"]).items()}
    assert env["DEBUG"] == "false"
    assert env["SITE_URL"] == "http://localhost:8000"
    assert env["EMAIL_HOST"] == "mailpit"
    assert env["EMAIL_PORT"] == "1025"
    # Mailpit speaks plain SMTP: empty means the port decides, and 1025 means no TLS.
    assert env["EMAIL_USE_TLS"] in {"", "false"}
    assert env["DEFAULT_FROM_EMAIL"]
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "ALLOW_SIGNUP"} <= env.keys()


def test_mailpit_catches_smtp_and_publishes_its_ui(services: dict[str, Any]) -> None:
    mailpit = services["mailpit"]
    assert "8025:8025" in [str(port) for port in mailpit["ports"]]
    # SMTP stays on the compose network: nothing outside should relay through it.
    assert not any("1025" in str(port) for port in mailpit["ports"])


def test_process_commands_are_the_ones_ci_runs(services: dict[str, Any]) -> None:
    assert _command(services["web"]).startswith(WEB_COMMAND + " ")
    assert "--bind 0.0.0.0:8000" in _command(services["web"])
    assert _command(services["worker"]) == WORKER_COMMAND
    assert _command(services["beat"]) == BEAT_COMMAND
    assert _command(services["migrate"]) == "python manage.py migrate --noinput"


def test_web_runs_the_same_command_as_the_image_default(services: dict[str, Any]) -> None:
    cmd = [args for instruction, args in _dockerfile_instructions() if instruction == "CMD"]
    assert len(cmd) == 1
    assert shlex.split(_command(services["web"])) == json.loads(cmd[0])


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_app_services_start_after_healthy_services_and_a_finished_migration(
    services: dict[str, Any], name: str
) -> None:
    depends_on = services[name]["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_migration_waits_for_postgres_and_runs_once(services: dict[str, Any]) -> None:
    migrate = services["migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    # A restart policy would rerun a one-shot container forever.
    assert migrate["restart"] == "no"


def test_postgres_and_redis_report_their_health(services: dict[str, Any]) -> None:
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in " ".join(services["redis"]["healthcheck"]["test"])


def test_web_health_is_probed_on_the_health_endpoint(services: dict[str, Any]) -> None:
    assert "/health/" in " ".join(services["web"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", ["migrate", "worker", "beat"])
def test_containers_without_gunicorn_do_not_inherit_the_web_healthcheck(
    services: dict[str, Any], name: str
) -> None:
    # The image's HEALTHCHECK asks gunicorn; without this a healthy worker would be reported unhealthy.
    assert services[name]["healthcheck"] == {"disable": True}


def test_kith_services_share_the_data_volume(compose: dict[str, Any], services: dict[str, Any]) -> None:
    # Beat's schedule and the generated secret key live in /data, which every Kith container must see alike.
    for name in KITH_SERVICES:
        mounts = [str(volume) for volume in services[name]["volumes"]]
        assert "kith-data:/data" in mounts, name
    assert "kith-data" in compose["volumes"]
    assert "/data/" in BEAT_COMMAND


def test_dockerfile_installs_pinned_runtime_dependencies_only() -> None:
    runs = [args for instruction, args in _dockerfile_instructions() if instruction == "RUN"]
    steps = [step.strip() for run in runs for step in run.split("&&")]
    installs = [step for step in steps if "pip install" in step]
    assert installs == ["pip install -c constraints.txt ."]
    assert not any("[dev]" in run for run in runs)


def test_dockerfile_builds_on_python_312_slim() -> None:
    assert _dockerfile_instructions()[0] == ("FROM", "python:3.12-slim")


def test_dockerfile_collects_static_files_without_a_real_secret() -> None:
    instructions = _dockerfile_instructions()
    collect = [args for instruction, args in instructions if "collectstatic" in args]
    assert len(collect) == 1 and collect[0].startswith("SECRET_KEY=")
    # A SECRET_KEY as ENV or ARG would end up in the image's history and every container.
    assert not any(
        instruction in {"ENV", "ARG"} and "SECRET_KEY" in args for instruction, args in instructions
    )


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [args for instruction, args in _dockerfile_instructions() if instruction == "USER"]
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_healthcheck_asks_the_health_endpoint_without_curl() -> None:
    checks = [args for instruction, args in _dockerfile_instructions() if instruction == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "/health/" in checks[0]
    assert "urllib" in checks[0] and "curl" not in checks[0]


def test_dockerfile_keeps_data_in_a_volume_and_serves_port_8000() -> None:
    instructions = _dockerfile_instructions()
    env = " ".join(args for instruction, args in instructions if instruction == "ENV")
    assert "KITH_DATA_DIR=/data" in env
    assert ("VOLUME", '["/data"]') in instructions
    assert ("EXPOSE", "8000") in instructions


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "var", ".env", "staticfiles"} <= ignored
