"""The documents' tables wrap their text themselves (registry.billing.pdf._wrapped): every word
is kept, no line is wider than its column, and rows break across pages whole."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest

from registry.billing import pdf as documents
from registry.core.vocabulary.billing import LineCharge
from tests.billing.conftest import pdf_text


@pytest.fixture
def page():
    doc = documents._new_pdf()
    doc.set_font("Helvetica", "", 8)
    return doc


def _fits(doc, line: str, width: float) -> bool:
    return doc.get_string_width(line) <= width - 2 * doc.c_margin + 1e-6


def test_short_text_is_one_line(page):
    assert documents._wrapped(page, "Replica use: Harbour Lights", 86) == ["Replica use: Harbour Lights"]


def test_long_text_wraps_at_spaces_keeping_every_word(page):
    text = " ".join(f"word{i}" for i in range(60))
    lines = documents._wrapped(page, text, 40)
    assert len(lines) > 5
    assert " ".join(lines) == text
    assert all(_fits(page, line, 40) for line in lines)
    # Greedy: no line could have taken the next line's first word.
    for line, following in itertools.pairwise(lines):
        assert not _fits(page, f"{line} {following.split(' ')[0]}", 40)


def test_a_word_wider_than_the_column_is_cut_where_it_must_be(page):
    word = "Supercalifragilistic" * 6
    lines = documents._wrapped(page, f"A {word} end", 30)
    assert "".join(lines).replace(" ", "") == f"A{word}end"
    assert all(_fits(page, line, 30) for line in lines)
    assert lines[0] == "A"


def test_line_breaks_in_the_text_are_kept(page):
    assert documents._wrapped(page, "first\nsecond", 86) == ["first", "second"]


def test_a_statement_of_many_long_rows_keeps_every_word_over_several_pages(tmp_path):
    detail = "Late-payment interest on an overdue invoice for the production " + "Very Long Title " * 6
    rows = [
        {
            "date": dt.date(2026, 3, 1) + dt.timedelta(days=i % 28),
            "reference": f"INV-2026-{i:06d}",
            "detail": f"{detail}row {i}",
            "due_date": None,
            "amount": D("10.00"),
            "balance": D("10.00") * (i + 1),
        }
        for i in range(120)
    ]
    statement = {
        "currency": "USD",
        "studio_name": "Northlight",
        "studio": "std_x",
        "start": dt.date(2026, 3, 1),
        "end": dt.date(2026, 3, 31),
        "opening_balance": D("0.00"),
        "rows": rows,
        "closing_balance": D("1200.00"),
        "aging": {},
        "credit_notes_open": D("0.00"),
        "unapplied_payments": D("0.00"),
    }
    content = documents.statement_pdf(statement)
    text = " ".join(pdf_text(content, tmp_path).split())
    assert "Page 5/" in text  # 120 rows of three lines each: several pages
    pages = text.count("Page ")
    assert text.count("Reference and detail") == pages  # the column names atop every page
    assert all(f"INV-2026-{i:06d}" in text for i in range(120))
    assert text.count("Very Long Title") == 120 * 6  # no word of any row lost at a line or page end


def test_group_text_names_the_charge_of_lines_without_a_use():
    assert documents._group_text({"charge": LineCharge.INTEREST}) == LineCharge.INTEREST.label
