"""bench/billing: a month's billing run over a million usage lines on two Celery workers."""
