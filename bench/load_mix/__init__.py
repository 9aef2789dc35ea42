"""Load test: consent checks, token fetches and usage reports at once, for 60 s, against gunicorn,
PostgreSQL, Redis and Celery workers; see bench/README.md (section load_mix)."""
