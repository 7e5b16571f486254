"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from bridge_api import errors
from bridge_api.batches.router import router as batches_router
from bridge_api.config import get_settings
from bridge_api.kite.router import router as kite_router
from bridge_api.portfolios.router import router as portfolios_router
from bridge_api.smallcases.router import router as smallcases_router
from bridge_api.users.router import router as users_router


def create_app() -> FastAPI:
    """Build the app: routers, problem+json errors, CORS for the UI origin."""
    app = FastAPI(
        title="Saras bridge",
        version="0.1.0",
        description="Users, smallcases, subscriptions, the ledger and batches of Saras.",
    )
    errors.install(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=get_settings().cors_origins,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    app.include_router(users_router, responses=errors.PROBLEMS)
    app.include_router(smallcases_router, responses=errors.PROBLEMS)
    app.include_router(portfolios_router, responses=errors.PROBLEMS)
    app.include_router(batches_router, responses=errors.PROBLEMS)
    app.include_router(kite_router, responses=errors.PROBLEMS)
    return app
