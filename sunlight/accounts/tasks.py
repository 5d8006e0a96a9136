"""Background tasks of the accounts app (django-tasks)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .models import IdempotencyRecord


@task()
def prune_idempotency_records() -> int:
    """Delete Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_HOURS; returns how many.

    Housekeeping, not a staff write, so it leaves no audit row. Enqueue it periodically (e.g.
    hourly); between runs the middleware already ignores expired keys.
    """
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
