"""Reachability checks for the health endpoint: the database and the Celery broker."""

from __future__ import annotations

import logging

from django.db import connections

logger = logging.getLogger(__name__)


def database_reachable() -> bool:
    """Run ``SELECT 1`` on the default database. Returns ``True`` on success, never raises."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any driver error means "not reachable"
        logger.warning("Health check: database not reachable", exc_info=True)
        return False


def broker_reachable(timeout: float = 2.0) -> bool:
    """Open (and close) a connection to the Celery broker within ``timeout`` seconds.

    Returns ``True`` on success, never raises. The in-memory broker of development counts as reachable.
    """
    from coinportal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:  # any transport error means "not reachable"
        logger.warning("Health check: broker not reachable", exc_info=True)
        return False


def health_report() -> tuple[bool, dict[str, str]]:
    """Check every dependency.

    Returns:
        ``(healthy, checks)`` where ``checks`` maps "database" and "broker" to "ok" or "unreachable".
        Nothing secret (URLs, credentials, error text) is included.
    """
    checks = {
        "database": "ok" if database_reachable() else "unreachable",
        "broker": "ok" if broker_reachable() else "unreachable",
    }
    return all(v == "ok" for v in checks.values()), checks
