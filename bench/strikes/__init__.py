"""bench/strikes: a strike over 100,000 grants, applied and lifted by Celery workers, declared
through the staff console; see bench/README.md (section strikes)."""
