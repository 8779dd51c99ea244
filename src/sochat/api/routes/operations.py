"""Operator endpoints: ``/healthz`` (alive), ``/readyz`` (ready for traffic), ``/metrics``.

None of them is part of SuperOffice's API; they live at the root (and under the root path).

* ``/healthz`` does no I/O: 200 while the event loop answers.
* ``/readyz`` checks that the database answers, that its schema is at the newest migration
  this sochat ships, and that the push broker (PostgreSQL LISTEN or Redis) is connected
  when one is configured. 503 with ``{"status": "unavailable", "reason": ...}`` otherwise.
* ``/metrics`` is off (404) unless ``SOCHAT_METRICS_TOKEN`` is set, and then answers only
  ``Authorization: Bearer <token>`` (401 otherwise): the figures name topics and load.
"""

from __future__ import annotations

import hmac
import logging

import anyio
from prometheus_client.core import Metric
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sochat import metrics
from sochat.api.http import JSON_ENCODER, Services
from sochat.storage import operations as ops

log = logging.getLogger("sochat.api")

JSON = "application/json; charset=utf-8"
READY_TIMEOUT = 5.0


def _json(body: dict[str, object], status: int = 200) -> Response:
    return Response(JSON_ENCODER.encode(body), status, media_type=JSON, headers={"cache-control": "no-store"})


def sample_process(services: Services) -> None:
    """Copy this process's own figures (pools, streams) into the metric gauges."""
    try:
        db = getattr(services.db, "inner", services.db)  # the app's lazy wrapper, once open
    except RuntimeError:
        db = None
    stats = getattr(db, "pool_stats", None)
    if callable(stats):
        for pool, (in_use, waiting) in stats().items():
            metrics.set_pool(pool, in_use, waiting)
    metrics.set_streams(services.hub.streams, services.hub.lag())


async def database_metrics(services: Services) -> list[Metric]:
    chats = await ops.chat_counts(services.db)
    deliveries = await ops.delivery_counts(services.db)
    return [
        metrics.gauge_family(
            "sochat_chats",
            "Chat sessions waiting in the queue (queued) or being chatted (active), by topic",
            ["topic_id", "topic", "state"],
            (((str(tid), name, state), n) for tid, name, state, n in chats),
        ),
        metrics.gauge_family(
            "sochat_webhook_deliveries",
            "Webhook deliveries: pending (to send or retry), parked (webhook not Active), failed (given up)",
            ["state"],
            (((state,), n) for state, n in deliveries.items()),
        ),
    ]


def routes(services: Services) -> list[BaseRoute]:
    settings = services.settings
    token = settings.metrics_token.encode("utf-8")

    async def healthz(request: Request) -> Response:
        return _json({"status": "ok"})

    async def readyz(request: Request) -> Response:
        reason = ""
        try:
            with anyio.fail_after(READY_TIMEOUT):
                current = await ops.schema_revision(services.db)
            head = ops.head_revision()
            if current != head:
                reason = f"database schema is at {current or 'nothing'}, this sochat needs {head}"
        except Exception as exc:
            reason = f"database unreachable ({type(exc).__name__})"
        if not reason and not getattr(services.hub.broker, "connected", True):
            reason = f"push broker ({services.hub.broker.name}) not connected"
        if reason:
            return _json({"status": "unavailable", "reason": reason}, 503)
        return _json({"status": "ready"})

    async def scrape(request: Request) -> Response:
        if not token:
            raise HTTPException(404)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode("utf-8"), token):
            return Response(status_code=401, headers={"www-authenticate": 'Bearer realm="metrics"'})
        sample_process(services)
        try:
            extra = await database_metrics(services)
        except Exception as exc:
            log.warning("metrics: database figures unavailable (%s)", type(exc).__name__)
            extra = []
        return Response(metrics.render(extra), media_type=metrics.CONTENT_TYPE)

    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", scrape, methods=["GET"]),
    ]
