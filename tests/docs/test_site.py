"""The guide (docs/) stays whole and true to the code.

Fast checks read the sources: the committed OpenAPI schema is what the code prints, every
environment variable, problem type and cited domain rule is documented, every screenshot shown
exists. The slow one builds the site as `./run docs` does, with warnings as errors, and walks
every internal link of the result.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

from registry_docs import environment, openapi, rules  # noqa: E402

from registry.core.problems import ProblemType  # noqa: E402


@pytest.mark.django_db
def test_the_committed_openapi_schema_is_what_the_code_prints(tmp_path):
    printed = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(printed))
    assert printed.read_text() == openapi.SCHEMA.read_text(), (
        "docs/studios/openapi.json is stale: run "
        "./run manage spectacular --format openapi-json --file docs/studios/openapi.json"
    )


def test_every_environment_variable_the_settings_read_is_explained():
    names = [variable.name for variable in environment.variables()]
    # The reader finds what settings.py reads, not a list kept by hand beside it.
    assert {"DATABASE_URL", "REGISTRY_MODE", "WORKER_WATCHDOG_TIMEOUT", "LOG_LEVEL"} <= set(names)
    missing, stale = environment.drift()
    assert missing == [], f"explain these in docs/_ext/registry_docs/environment.py: {missing}"
    assert stale == [], f"settings.py no longer reads these: {stale}"


def test_the_environment_reader_finds_each_way_settings_reads_a_variable(tmp_path):
    settings = tmp_path / "settings.py"
    settings.write_text(
        "import os\n"
        "def env_int(name, default): ...\n"
        'A = env_int("A_NUMBER", 5)\n'
        'B = os.environ.get("B_TEXT", "x")\n'
        'C = env_int("A_NUMBER", 6)\n'
    )
    found = environment.variables(settings)
    assert [(v.name, v.kind, v.default) for v in found] == [("A_NUMBER", "integer", "5"), ("B_TEXT", "text", '"x"')]


def test_every_domain_rule_the_code_cites_is_on_the_rules_page():
    page = (DOCS / "concepts" / "domain-rules.md").read_text()
    sections = {m.group(1): m.start() for m in re.finditer(r"(?m)^## (\d+)\. ", page)}
    cited = rules.citations()
    assert "2.5" in cited  # the reader finds the citations (DOMAIN.md 2.5 is cited in several places)
    for rule in cited:
        section, _, item = rule.partition(".")
        assert section in sections, f"DOMAIN.md section {section} is cited but not on the page"
        if item:
            start = sections[section]
            following = [pos for pos in sections.values() if pos > start]
            body = page[start : min(following) if following else len(page)]
            assert re.search(rf"(?m)^{item}\. ", body), f"rule {rule} is cited but not on the page"


SCREENSHOT = re.compile(r"screenshots/([\w.-]+\.png)")


def test_every_screenshot_the_guide_and_the_readme_show_exists():
    sources = [ROOT / "README.md", *DOCS.rglob("*.md")]
    shown = {name for path in sources for name in SCREENSHOT.findall(path.read_text())}
    assert {"dashboard-390.png", "review-1280.png", "staff-dashboard-1280.png"} <= shown
    missing = sorted(name for name in shown if not (DOCS / "screenshots" / name).is_file())
    regenerate = "SCREENSHOTS_DIR=docs/screenshots ./run test tests/e2e/test_demo_journeys.py"
    assert missing == [], f"regenerate with {regenerate}: {missing}"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag or "stylesheet", attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if tag == "link" and "stylesheet" in (dict(attrs).get("rel") or ""):
            tag = "stylesheet"
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value:
                self.links.append((tag, name, value))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("guide")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-E", "-q", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_the_guide_builds_with_warnings_as_errors_and_every_internal_link_holds(built):
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > 40
    parsed = {page: _parse(page) for page in pages}
    broken, external_assets = [], []
    for page, links in parsed.items():
        for tag, attribute, value in links.links:
            url = urlsplit(value)
            if url.scheme or value.startswith("//"):
                # Links out are fine; loading a script, style, image or font from elsewhere is not.
                if tag in ("script", "img", "stylesheet", "iframe", "source", "video", "audio"):
                    external_assets.append(f"{page.relative_to(built)}: <{tag} {attribute}={value}>")
                continue
            if value.startswith(("mailto:", "data:", "javascript:")):
                continue
            target = page if not url.path else (page.parent / unquote(url.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(built)} -> {value}")
                continue
            if url.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(url.fragment) not in ids:
                    broken.append(f"{page.relative_to(built)} -> {value} (no such anchor)")
    assert broken == []
    assert external_assets == []
    # The walk saw the links it exists for: across pages, to anchors, and to the screenshots.
    every = [value for links in parsed.values() for _, _, value in links.links]
    assert any("#" in value and not value.startswith("#") for value in every)
    assert any("screenshots/" in value or "_images/" in value for value in every)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<(script|img|iframe|source)[^>]+src=\"(https?:)?//", html), page
        assert not re.search(r"<link[^>]+rel=\"stylesheet\"[^>]+href=\"(https?:)?//", html), page
        assert not re.search(r"@import url\((https?:)?//", html), page


@pytest.mark.slow
def test_the_generated_pages_name_every_operation_variable_and_problem_type(built):
    reference = _parse(built / "studios" / "api-reference.html").ids
    schema = openapi.load()
    operations = list(openapi.operations(schema))
    assert len(operations) > 50
    assert [op["operationId"] for _, _, op in operations if openapi.operation_label(op) not in reference] == []
    schemas = _parse(built / "studios" / "api-schemas.html").ids
    labels = [openapi.schema_label(name) for name in schema["components"]["schemas"]]
    assert len(labels) == len(set(labels))  # no two schemas share an anchor
    assert [name for name in schema["components"]["schemas"] if openapi.schema_label(name) not in schemas] == []
    problems = _parse(built / "studios" / "problems.html").ids
    assert [p.slug for p in ProblemType if f"problem-{p.slug}" not in problems] == []
    settings_page = built / "operators" / "environment.html"
    anchors = _parse(settings_page).ids
    assert [v.name for v in environment.variables() if environment.label(v.name) not in anchors] == []
    assert "not documented" not in settings_page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_built_guide_is_served_at_docs(built, client, monkeypatch):
    from registry.site import views

    monkeypatch.setattr(views, "DOCS_BUILD", built)
    page = client.get("/docs/")
    assert page.status_code == 200
    assert b"Performer Consent Registry" in page.content
    # Furo's one inline script (the colour theme) is allowed by its hash, nothing else inline.
    assert "'sha256-" in page["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    css = client.get("/docs/_static/styles/furo.css")
    assert css.status_code == 200 and css["Content-Type"] == "text/css"
    assert client.get("/docs/studios/problems.html").status_code == 200
    assert client.get("/docs/../manage.py").status_code == 404
    assert client.get("/docs/no-such-page.html").status_code == 404
