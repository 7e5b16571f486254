"""The process's own metrics, in prometheus_client's default registry.

Each process counts what it does: the bridge its HTTP requests; the engine its placements,
the Kite client its 429s, the order limiter its waits, the engine its batch phases and the
lease. What every process shares (the job queue, the Kite session, reconciliation reports,
alerts, the lease's holder) is read from the database at scrape time by `collector`, so it is
right whichever process wrote it. Names and labels are the contract of the dashboards and
alert rules in ``deploy/`` (a test checks them against this registry).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "saras_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "saras_http_request_duration_seconds",
    "Seconds from a request's arrival to its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED = "unmatched"
"""The route label of a request no route matched (never the raw path: it is unbounded)."""

ORDERS = Counter(
    "saras_orders",
    "Broker orders by outcome: placed, rejected or unknown (a slice sent to the broker), "
    "filled (a batch order final with some quantity filled) and unfilled (final with none).",
    ["outcome"],
)
ORDER_OUTCOMES = ("placed", "rejected", "unknown", "filled", "unfilled")
ENGINE_EVENTS = Counter(
    "saras_engine_events", "Every event the engine reports, by name.", ["event"]
)
PHASE_SECONDS = Histogram(
    "saras_batch_phase_duration_seconds",
    "Seconds a batch spent in a phase (1 sells and crossings, 2 buys), from its plan to the "
    "next plan or the batch's end, as seen by the engine that ran the whole phase.",
    ["phase"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800),
)
KITE_THROTTLED = Counter(
    "saras_kite_http_429", "Kite answers of HTTP 429 (too many requests), by call kind.", ["kind"]
)
LIMITER_WAITS = Counter(
    "saras_order_limiter_waits", "Times a placement waited for the order-rate limiter."
)
LIMITER_WAIT_SECONDS = Histogram(
    "saras_order_limiter_wait_seconds",
    "Seconds each placement waited for a token of the order-rate limiter (0 when none).",
    buckets=(0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0),
)
LEASE_HELD = Gauge(
    "saras_engine_lease_held",
    "1 while this engine holds the trading lease, 0 while it stands by.",
    multiprocess_mode="livemax",
)

for _outcome in ORDER_OUTCOMES:
    ORDERS.labels(_outcome)
for _kind in ("read", "write"):
    KITE_THROTTLED.labels(_kind)
