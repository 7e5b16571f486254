"""How many requests do database work at once in one API process: at most the connection
pool's size (``SARAS_DB_POOL_SIZE``). The others wait on the event loop, holding nothing,
until one finishes. So the pool never opens connections beyond its size under load (each
extra one is a new PostgreSQL backend, made and closed per request), and a request that holds
a connection never waits behind requests that are waiting for one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from starlette.requests import HTTPConnection

from bridge_api.config import get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Give the app its admission limit for as long as it serves."""
    app.state.admission = anyio.CapacityLimiter(get_settings().db_pool_size)
    yield


@asynccontextmanager
async def admitted(connection: HTTPConnection) -> AsyncIterator[None]:
    """Wait for the request's turn at the database (no limit when the app was not started
    through its lifespan, as in a test that builds the app without serving it)."""
    limiter: anyio.CapacityLimiter | None = getattr(connection.app.state, "admission", None)
    if limiter is None:
        yield
        return
    async with limiter:
        yield
