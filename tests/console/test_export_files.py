"""Exports too large to stream are written to a file by a worker and downloaded when ready
(issue 16, item 21); smaller ranges still stream."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client

from registry.audit.models import AuditEvent
from registry.console import services
from registry.console.models import ExportFile
from registry.console.selectors import USAGE_COLUMNS
from registry.outbox.models import OutboxMessage
from tests.console.conftest import signed_in

pytestmark = pytest.mark.django_db

AUGUST = {"start": "2025-08-01", "end": "2025-08-31"}


@pytest.fixture
def exports_in(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


def _streamed(client, kind: str, **params) -> list[list[str]]:
    response = client.get(f"/admin/console/exports/{kind}.csv", {**AUGUST, **params})
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _downloaded(response) -> list[list[str]]:
    assert isinstance(response, FileResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _ask(client, kind: str = "usage", **params):
    return client.post(f"/admin/console/exports/{kind}/file", {**AUGUST, "fund": "", **params})


def _write_all(now: dt.datetime | None = None) -> None:
    """What the workers do with the export files the outbox holds."""
    for args in OutboxMessage.objects.filter(task="console.write_export").values_list("args", flat=True):
        services.export_file_write(export_id=args[0], now=now)


# --- Streaming or a file --------------------------------------------------------------------------
def test_a_range_over_the_threshold_is_not_streamed_but_offered_as_a_file(
    console_world, console_clients, settings, exports_in
):
    settings.EXPORT_STREAM_MAX_ROWS = 1  # August holds two usage lines

    response = console_clients["admin"].get("/admin/console/exports/usage.csv", AUGUST)

    assert response.status_code == 200
    assert not isinstance(response, StreamingHttpResponse)
    page = response.content.decode()
    assert "The usage export is too large to stream" in page
    assert "It reads 2 records, more than the 1 streamed at once." in page
    assert 'action="/admin/console/exports/usage/file"' in page
    assert ExportFile.objects.count() == 0  # offering writes nothing


def test_a_range_within_the_threshold_streams_and_is_not_cached(console_world, console_clients, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 2

    response = console_clients["analyst"].get("/admin/console/exports/usage.csv", AUGUST)

    assert isinstance(response, StreamingHttpResponse)
    assert "no-store" in response["Cache-Control"].split(", ")


# --- Asking for a file, its progress, the download -------------------------------------------------
def test_staff_ask_for_a_file_follow_it_and_download_it_when_ready(console_world, console_clients, staff, exports_in):
    expected = _streamed(console_clients["admin"], "usage")

    # when a union admin asks for the file
    asked = _ask(console_clients["admin"])

    # then the request only records it and leaves the writing to a worker
    export = ExportFile.objects.get()
    assert asked.status_code == 302
    assert asked["Location"] == f"/admin/console/exports/files/{export.public_id}/"
    assert (export.kind, export.status, export.rows_expected) == ("usage", "pending", 2)
    assert export.requested_by == staff.user
    assert list(OutboxMessage.objects.filter(task="console.write_export").values_list("args", flat=True)) == [
        [export.pk]
    ]
    audit = AuditEvent.objects.get(action="export.requested")
    assert (audit.subject_id, audit.actor_name, audit.data["rows"]) == (export.public_id, "ada", 2)
    waiting = console_clients["admin"].get(asked["Location"]).content.decode()
    assert "Waiting for a worker" in waiting and '<meta http-equiv="refresh" content="5">' in waiting
    assert console_clients["admin"].get(f"/admin/console/exports/files/{export.public_id}/download").status_code == 404

    # when the worker writes it
    _write_all()

    # then it holds what the streamed export holds, and any staff member may download it
    export.refresh_from_db()
    assert (export.status, export.rows_written, export.size_bytes > 0) == ("ready", 2, True)
    assert sorted(p.name for p in exports_in.iterdir()) == [f"{export.public_id}.csv"]
    ready = console_clients["admin"].get(asked["Location"]).content.decode()
    assert "Ready to download" in ready and 'http-equiv="refresh"' not in ready
    for who in ("admin", "analyst"):
        response = console_clients[who].get(f"/admin/console/exports/files/{export.public_id}/download")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"].split(", ")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="usage-20250801-20250831.csv"'
        assert _downloaded(response) == expected
    assert expected[0] == USAGE_COLUMNS and len(expected) == 3
    listed = console_clients["analyst"].get("/admin/console/exports/").content.decode()
    assert f'href="/admin/console/exports/files/{export.public_id}/download"' in listed


def test_a_file_of_one_funds_remittance_holds_what_the_stream_holds(console_world, console_clients, exports_in):
    expected = _streamed(console_clients["analyst"], "remittance", fund="pension_plan")

    _ask(console_clients["analyst"], "remittance", fund="pension_plan")
    _write_all()

    export = ExportFile.objects.get()
    response = console_clients["admin"].get(f"/admin/console/exports/files/{export.public_id}/download")
    assert response["Content-Disposition"] == 'attachment; filename="remittance-pension_plan-20250801-20250831.csv"'
    assert _downloaded(response) == expected


def test_the_page_shows_the_progress_while_the_file_is_written(console_world, console_clients, exports_in):
    _ask(console_clients["admin"])
    export = ExportFile.objects.get()
    ExportFile.objects.filter(pk=export.pk).update(status="running", rows_written=1)

    page = console_clients["admin"].get(f"/admin/console/exports/files/{export.public_id}/").content.decode()

    assert "1 of about 2 records written (50%)" in page
    assert '<meta http-equiv="refresh" content="5">' in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2025-08-31", "end": "2025-08-01"}, "The end is before the start."),
        ({"start": "2024-01-01", "end": "2025-08-31"}, "At most 366 days at a time."),
        ({"fund": "no_such_fund"}, "Select a valid choice."),
    ],
)
def test_asking_for_a_file_with_bad_dates_is_a_form_error(console_world, console_clients, exports_in, params, message):
    response = _ask(console_clients["admin"], **params)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ExportFile.objects.count() == 0


def test_an_unknown_export_or_file_is_not_found(console_world, console_clients, exports_in):
    assert _ask(console_clients["admin"], "passwords").status_code == 404
    assert console_clients["admin"].get("/admin/console/exports/files/exp_nope/").status_code == 404
    assert console_clients["admin"].get("/admin/console/exports/files/exp_nope/download").status_code == 404


# --- Who may ----------------------------------------------------------------------------------------
def _others(studio, performer) -> dict[str, Client]:
    with_key = Client(HTTP_AUTHORIZATION=f"Bearer {studio.secret}")  # a studio has an API key, no session
    flag_only = get_user_model().objects.create_user(username="flagged", password="pw-for-tests-1", is_staff=True)
    return {
        "anonymous": Client(),
        "performer": signed_in(performer.user),
        "studio": with_key,
        "staff flag without a union role": signed_in(flag_only),
    }


def test_only_union_staff_may_ask_for_or_download_a_file(
    console_world, console_clients, studio, performer, exports_in
):
    _ask(console_clients["admin"])
    _write_all()
    export = ExportFile.objects.get()
    pages = [
        f"/admin/console/exports/files/{export.public_id}/",
        f"/admin/console/exports/files/{export.public_id}/download",
    ]

    for who, client in _others(studio, performer).items():
        asked = _ask(client)
        answers = [client.get(page) for page in pages]
        if who == "staff flag without a union role":
            assert [asked.status_code] + [a.status_code for a in answers] == [403, 403, 403], who
        else:
            for response in [asked, *answers]:
                assert response.status_code == 302, who
                assert response["Location"].startswith("/admin/login/"), who
        assert not any(isinstance(a, FileResponse) for a in answers), who
    assert ExportFile.objects.count() == 1


# --- The writer -------------------------------------------------------------------------------------
def test_a_writer_killed_half_way_is_started_again_by_beat_and_writes_it_whole(
    console_world, console_clients, exports_in
):
    _ask(console_clients["admin"])
    export = ExportFile.objects.get()
    killed_at = export.created_at
    # a writer claimed it, wrote half a file and was killed
    ExportFile.objects.filter(pk=export.pk).update(status="running", heartbeat_at=killed_at, rows_written=1)
    exports_in.mkdir(parents=True)
    (exports_in / f"{export.public_id}.csv.part").write_text("line,from,the,killed,writer\n")
    OutboxMessage.objects.all().delete()

    # a second delivery while the writer may still be alive leaves it alone
    early = services.export_file_write(export_id=export.pk, now=killed_at + dt.timedelta(minutes=1))
    # beat finds it quiet and starts it again
    later = killed_at + dt.timedelta(minutes=3)
    too_early, _ = services.export_files_sweep(now=killed_at + dt.timedelta(minutes=1))
    restarted, _ = services.export_files_sweep(now=later)
    _write_all(now=later)

    assert (early.status, early.rows_written, too_early, restarted) == ("running", 1, 0, 1)
    export.refresh_from_db()
    assert (export.status, export.rows_written) == ("ready", 2)
    assert sorted(p.name for p in exports_in.iterdir()) == [f"{export.public_id}.csv"]
    downloaded = _downloaded(console_clients["admin"].get(f"/admin/console/exports/files/{export.public_id}/download"))
    assert downloaded == _streamed(console_clients["admin"], "usage")


def test_a_failed_write_leaves_no_file_and_says_so(console_world, console_clients, exports_in, monkeypatch):
    _ask(console_clients["admin"])
    export = ExportFile.objects.get()

    def broken(*args, **kwargs):
        yield ["header"]
        raise OSError("disk full")

    monkeypatch.setattr("registry.console.selectors.EXPORTS", {"usage": type("E", (), {"rows": broken})()})
    with pytest.raises(OSError):
        services.export_file_write(export_id=export.pk)

    export.refresh_from_db()
    assert (export.status, export.error) == ("failed", "OSError")
    assert list(exports_in.iterdir()) == []
    page = console_clients["admin"].get(f"/admin/console/exports/files/{export.public_id}/").content.decode()
    assert "Writing it failed (OSError)" in page


def test_files_past_their_retention_are_deleted_and_no_longer_downloadable(
    console_world, console_clients, settings, exports_in
):
    settings.EXPORT_KEEP_DAYS = 7
    _ask(console_clients["admin"])
    _write_all()
    export = ExportFile.objects.get()

    kept = services.export_files_sweep(now=export.finished_at + dt.timedelta(days=6))
    gone = services.export_files_sweep(now=export.finished_at + dt.timedelta(days=8))

    assert (kept, gone) == ((0, 0), (0, 1))
    export.refresh_from_db()
    assert export.status == "expired"
    assert list(exports_in.iterdir()) == []
    assert console_clients["admin"].get(f"/admin/console/exports/files/{export.public_id}/download").status_code == 404


def test_the_deploy_check_warns_when_the_export_directory_cannot_be_made(settings, tmp_path):
    from registry.console.checks import export_dir_writable

    (tmp_path / "a-file").write_text("not a directory")
    settings.EXPORT_DIR = tmp_path / "a-file" / "exports"
    refused = export_dir_writable(None)
    settings.EXPORT_DIR = tmp_path / "exports"

    assert [w.id for w in refused] == ["console.W001"]
    assert export_dir_writable(None) == []
