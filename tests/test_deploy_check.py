"""`manage.py check --deploy` with the settings a production Kith runs with: Django's own list of deployment
mistakes (HTTPS cookies, HSTS, DEBUG, a weak SECRET_KEY, a development mail backend) must come back empty.

Settings are read once per process, so each case runs manage.py in a subprocess with its own environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_compose import settings_env_names

ROOT = Path(__file__).resolve().parent.parent


def _deploy_check(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    # Start from no Kith variable at all, so whatever the machine running the tests exported (CI's service
    # URLs, a developer's DEBUG=true) cannot change the verdict.
    env = {name: value for name, value in os.environ.items() if name not in settings_env_names()}
    env.update(
        {
            "SECRET_KEY": secrets.token_urlsafe(64),
            "SITE_URL": "https://kith.example.com",
            "DEBUG": "false",
            "KITH_DATA_DIR": str(tmp_path),
            # Production sends reminders and password resets through a real server; without one Django rightly
            # reports the file backend (mail.E001), see the test below.
            "EMAIL_HOST": "smtp.example.com",
        }
    )
    env.update(overrides)
    env = {name: value for name, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    result = _deploy_check(tmp_path)

    assert result.returncode == 0, _output(result)
    assert "WARNINGS" not in _output(result)
    assert "?: (security" not in _output(result)
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"DEBUG": "true"}, "security.W018"),
        # Plain http turns off secure cookies, HSTS and the redirect, and the check says so.
        ({"SITE_URL": "http://kith.example.com"}, "security.W008"),
        ({"EMAIL_HOST": ""}, "mail.E001"),
    ],
    ids=["debug", "http-site-url", "no-mail-server"],
)
def test_deploy_check_fails_on_a_deployment_mistake(
    tmp_path: Path, overrides: dict[str, str], check_id: str
) -> None:
    result = _deploy_check(tmp_path, **overrides)

    assert result.returncode != 0
    assert check_id in _output(result)
