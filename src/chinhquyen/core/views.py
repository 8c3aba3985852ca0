"""Operational endpoints."""

from __future__ import annotations

import time

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from chinhquyen import __version__


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok", "database": {...}}``; 503 when the database does not answer."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - report, never crash the probe
        database = {"status": "error", "vendor": connection.vendor, "error": type(exc).__name__}
    ok = database["status"] == "ok"
    return JsonResponse(
        {
            "status": "ok" if ok else "error",
            "version": __version__,
            "database": database,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 2),
        },
        status=200 if ok else 503,
    )
