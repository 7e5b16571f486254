"""Execution: the gateway through which a batch's plan, orders, trades and allocations are
recorded. Importable without FastAPI."""
