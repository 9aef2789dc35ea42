"""The integration guide's SD-JWT example (section 9) runs as written against a live server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.consent.factories import grant_for
from tests.tokens.conftest import in_term_today

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "integration-guide.md"

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_sd_jwt_example_proves_use_and_project(live_server, settings, studio, performer, agreement, tmp_path):
    settings.REGISTRY_BASE_URL = live_server.url
    grant = grant_for(studio.studio, performer.performer, agreement, description=in_term_today())
    code = re.search(r"```python\n(# sd_jwt_example\.py.*?)```", GUIDE.read_text(), re.DOTALL).group(1)
    (tmp_path / "sd_jwt_example.py").write_text(code)

    done = subprocess.run(
        [sys.executable, str(tmp_path / "sd_jwt_example.py")],
        env={**os.environ, "PYTHONPATH": str(ROOT), "REGISTRY": live_server.url, "API_KEY": studio.secret}
        | {"GRANT": grant.public_id},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True valid ['project', 'use']"
