"""The production guards: refuse to start without real secrets, and pass `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-" + "aB9x-Q7pZ_" * 6
FERNET_KEY = "q1Kp2Tqv3-6l0k7m8n9b0v1c2x3z4a5s6d7f8g9h0jE="


def run_manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_DEBUG", "REGISTRY_KEY_ENCRYPTION_KEY"}
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "REGISTRY_MODE": "production",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "registry.example.org",
        "REGISTRY_BASE_URL": "https://registry.example.org",
        "REGISTRY_KEY_ENCRYPTION_KEY": FERNET_KEY,
    }
    env.update(overrides)
    return env


def test_production_refuses_to_start_without_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_the_development_key():
    result = run_manage("check", **production_env(SECRET_KEY="django-insecure-" + "x" * 60))
    assert result.returncode != 0
    assert "SECRET_KEY is too weak for production" in result.stderr


def test_production_refuses_a_short_key():
    result = run_manage("check", **production_env(SECRET_KEY="short-secret"))
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_production_refuses_to_start_without_a_key_encryption_key():
    env = production_env()
    del env["REGISTRY_KEY_ENCRYPTION_KEY"]
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "REGISTRY_KEY_ENCRYPTION_KEY is not set" in result.stderr


def test_production_requires_allowed_hosts():
    env = production_env()
    env["ALLOWED_HOSTS"] = ""
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_requires_https_base_url():
    result = run_manage("check", **production_env(REGISTRY_BASE_URL="http://registry.example.org"))
    assert result.returncode != 0
    assert "REGISTRY_BASE_URL must be an https:// URL" in result.stderr


def test_production_refuses_debug():
    result = run_manage("check", **production_env(DJANGO_DEBUG="true"))
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off" in result.stderr


def test_check_deploy_is_clean_in_production_mode():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_development_mode_starts_without_any_variable():
    result = run_manage("check", REGISTRY_MODE="development")
    assert result.returncode == 0, result.stderr


def test_production_refuses_a_wildcard_in_allowed_hosts():
    for hosts in ("*", "registry.example.org,*", "*.example.org"):
        result = run_manage("check", **production_env(ALLOWED_HOSTS=hosts))
        assert result.returncode != 0, hosts
        assert "ALLOWED_HOSTS must not contain '*' in production" in result.stderr


def test_the_old_forwarded_for_switch_is_refused_with_what_replaces_it():
    result = run_manage("check", REGISTRY_MODE="development", TRUST_X_FORWARDED_FOR="true")
    assert result.returncode != 0
    assert "TRUST_X_FORWARDED_FOR is no longer read" in result.stderr
    assert "TRUSTED_PROXY_COUNT" in result.stderr


@pytest.mark.parametrize("value", ["-1", "one"])
def test_the_proxy_count_is_a_whole_number(value):
    result = run_manage("check", REGISTRY_MODE="development", TRUSTED_PROXY_COUNT=value)
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr


BAD_KEK = "not-a-fernet-key-but-secret-all-the-same"


def test_check_deploy_refuses_a_key_encryption_key_fernet_cannot_use():
    result = run_manage("check", "--deploy", REGISTRY_MODE="development", REGISTRY_KEY_ENCRYPTION_KEY=BAD_KEK)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "encryption.E001" in output
    assert "REGISTRY_KEY_ENCRYPTION_KEY: key 1 of 1 is not a Fernet key" in output
    assert BAD_KEK not in output


def test_production_refuses_to_start_with_a_key_encryption_key_fernet_cannot_use():
    # The first key is good, the second (the one kept for decrypting) is cut short.
    result = run_manage("check", **production_env(REGISTRY_KEY_ENCRYPTION_KEY=f"{FERNET_KEY},{FERNET_KEY[:-2]}"))

    assert result.returncode != 0
    assert "REGISTRY_KEY_ENCRYPTION_KEY: key 2 of 2 is not a Fernet key" in result.stderr
    assert FERNET_KEY[:-2] not in result.stderr
