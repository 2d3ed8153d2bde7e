"""Celery tasks of the Excel exports."""
