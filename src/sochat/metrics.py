"""Prometheus metrics (prometheus-client), correct with one process or ``--workers N``.

* Counters and histograms are updated where things happen (requests, failed logins).
* Per-process gauges (database pool, open event streams, stream lag) are *sampled*: each
  process copies its own figures into them every few seconds and just before it renders a
  scrape, so the request path never touches a gauge.
* Database-wide figures (chats per topic and status, webhook deliveries) are read from the
  database by the process that answers the scrape: every process sees the same rows.

With several workers, ``sochat serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh
directory of its own run before any worker starts (prometheus-client reads it at import);
each worker writes its values to memory-mapped files there and a scrape, answered by any
worker, adds them up (gauges: ``livesum`` / ``livemax`` over the living workers).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as _mp
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Request latency: the _count series is the request count by route template and status.
REQUEST_SECONDS = Histogram(
    "sochat_http_request_duration_seconds",
    "HTTP requests by method, route template and status: latency (and, as _count, how many)",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
FAILED_LOGINS = Counter(
    "sochat_failed_logins_total", "Requests with credentials that were refused (wrong password, ticket...)"
)
POOL_IN_USE = Gauge(
    "sochat_db_pool_in_use",
    "Database connections checked out, by pool",
    ["pool"],
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "sochat_db_pool_waiting",
    "Units of work waiting for a database connection, by pool",
    ["pool"],
    multiprocess_mode="livesum",
)
STREAMS_OPEN = Gauge(
    "sochat_event_streams_open", "Open event streams (SSE and WebSocket)", multiprocess_mode="livesum"
)
STREAM_LAG = Gauge(
    "sochat_event_stream_lag_events",
    "Newest event id a process has read minus the position of its slowest open stream",
    multiprocess_mode="livemax",
)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


class _Static(Collector):
    def __init__(self, metrics: Iterable[Metric]) -> None:
        self._metrics = list(metrics)

    def collect(self) -> Iterator[Metric]:
        return iter(self._metrics)


class _Forward(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        return iter(self._registry.collect())


def render(extra: Iterable[Metric] = ()) -> bytes:
    """The exposition text: every process's metrics (multi-process mode) or this one's, plus
    ``extra`` (the database-wide figures)."""
    registry = CollectorRegistry()
    if multiprocess():
        _mp.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(_Static(extra))
    return generate_latest(registry)


def gauge_family(
    name: str, doc: str, labels: list[str], rows: Iterable[tuple[tuple[str, ...], float]]
) -> Metric:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for values, value in rows:
        family.add_metric(list(values), value)
    return family


def process_exit() -> None:
    """Drop this process's live gauges from the shared directory (a worker that ends)."""
    if multiprocess():
        _mp.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def set_pool(pool: str, in_use: int, waiting: int) -> None:
    POOL_IN_USE.labels(pool).set(in_use)
    POOL_WAITING.labels(pool).set(waiting)


def set_streams(open_streams: int, lag: int) -> None:
    STREAMS_OPEN.set(open_streams)
    STREAM_LAG.set(lag)


__all__: list[Any] = [
    "CONTENT_TYPE",
    "FAILED_LOGINS",
    "REQUEST_SECONDS",
    "gauge_family",
    "multiprocess",
    "process_exit",
    "render",
]
