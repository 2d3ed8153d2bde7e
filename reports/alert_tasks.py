"""Celery tasks of the stock alerts."""
