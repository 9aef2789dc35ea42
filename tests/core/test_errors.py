"""How a list reads in a message when it is cut short: one function for every refusal."""

from __future__ import annotations

from registry.core.errors import FieldProblem, and_more, problems_summary


def test_and_more_names_what_it_shows_and_counts_the_rest():
    assert and_more(["a"]) == "a"
    assert and_more(["a", "b", "c"]) == "a (and 2 more)"
    assert and_more(["a", "b", "c"], shown=2) == "a, b (and 1 more)"
    assert and_more(["a", "b"], shown=20) == "a, b"


def test_problems_read_as_the_first_and_how_many_more():
    problems = [
        FieldProblem("lines.1.unit", "invalid_choice", "Use days."),
        FieldProblem(None, "invalid", "The report is empty."),
        FieldProblem("lines.2.units", "not_positive", "Give a positive number."),
    ]

    assert problems_summary(problems) == "lines.1.unit: Use days. (and 2 more)"
    assert problems_summary(problems[1:2]) == "The report is empty."
