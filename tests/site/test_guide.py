"""The home page links the guide; /docs/ serves it when built and says how to build it when not."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_home_page_links_the_guide_for_each_reader(client):
    home = client.get("/").content.decode()
    assert 'href="/docs/"' in home
    assert 'href="/docs/performers/index.html"' in home
    assert 'href="/docs/studios/index.html"' in home


def test_an_unbuilt_guide_says_how_to_build_it(client, monkeypatch, tmp_path):
    from registry.site import views

    monkeypatch.setattr(views, "DOCS_BUILD", tmp_path / "html")
    for url in ("/docs/", "/docs/studios/index.html"):
        page = client.get(url)
        assert page.status_code == 404
        assert "The guide is not built here" in page.content.decode()
        assert "./run docs" in page.content.decode()


def test_the_guide_serves_files_from_its_build_and_nothing_outside(client, monkeypatch, tmp_path):
    from registry.site import views

    html = tmp_path / "html"
    (html / "_static").mkdir(parents=True)
    (html / "index.html").write_text("<html><body><script>var theme = 1;</script>Guide</body></html>")
    (html / "_static" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("not for the web")
    monkeypatch.setattr(views, "DOCS_BUILD", html)

    page = client.get("/docs/")
    assert page.status_code == 200 and b"Guide" in page.content
    # the inline script is allowed by its own hash (sha256 of "var theme = 1;")
    assert "'sha256-" in page["Content-Security-Policy"]
    script = client.get("/docs/_static/app.js")
    assert script.status_code == 200 and script["Content-Type"] == "text/javascript"
    assert b"".join(script.streaming_content) == b"console.log(1)"
    assert client.get("/docs/../secret.txt").status_code == 404
    assert client.get("/docs/%2e%2e/secret.txt").status_code == 404
    assert client.get("/docs/missing.html").status_code == 404
    (html / ".buildinfo").write_text("sphinx's own")
    assert client.get("/docs/.buildinfo").status_code == 404
