"""Benchmark: POST /api/v1/consent-checks/ against 100,000 grants, next to a bare DRF endpoint.

Run from the project root: `.venv/bin/python -m bench.consent_check --help`.
"""
