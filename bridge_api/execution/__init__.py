"""Execution: how a batch's plan, orders, trades and allocations are recorded, and the engine
that drives them through a broker. Importable without FastAPI.

Every recording function takes the caller's `Session` and never commits; the caller's
transaction is the unit of work. The stages, in the order of use:

1. `planning.claim_ready_batch` takes one ready batch (``FOR UPDATE SKIP LOCKED``);
   `planning.plan_request` + `allocator.plan` + `planning.record_plan` write the crossings,
   orders, pre-trade statements, slices (each with its client tag, `tags`) and skips in one
   transaction before anything is sent; crossings are booked at once;
2. `fills.mark_slice` before a slice is sent, `fills.record_broker_order` after;
   `fills.record_trade` per broker trade (once per broker trade id);
3. `allocation.finalize_order` when an order is final: its trades are allocated once with
   `allocator.columnar` (the same splits as `allocator.allocate`) and posted to the ledger
   as arrays in the same transaction;
4. `bridge_api.batches.closing.finish_batch` when every order is final (or `fail_batch`).

`engine.Engine` runs these against a broker (`bridge_api.brokers.port`) and a market clock
(`clocks`), under the trading lease (`lease`) and the order-rate limiter (`ratelimit`);
`runner` starts it as a process (``saras engine run``).
"""
