"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from bridge_api.config import get_settings
from bridge_api.db.session import session_factory
from bridge_api.http import problems
from bridge_api.http.admission import lifespan
from bridge_api.http.batch_events import BatchEvents
from bridge_api.http.requests import RequestIds
from bridge_api.http.routers.admin import router as admin_router
from bridge_api.http.routers.analytics import router as analytics_router
from bridge_api.http.routers.backtests import router as backtests_router
from bridge_api.http.routers.batches import router as batches_router
from bridge_api.http.routers.corporate_actions import router as corporate_actions_router
from bridge_api.http.routers.habits import router as habits_router
from bridge_api.http.routers.house import router as house_router
from bridge_api.http.routers.kite import router as kite_router
from bridge_api.http.routers.notes import router as notes_router
from bridge_api.http.routers.notifications import router as notifications_router
from bridge_api.http.routers.operations import router as operations_router
from bridge_api.http.routers.portfolios import router as portfolios_router
from bridge_api.http.routers.schedule import router as schedule_router
from bridge_api.http.routers.smallcases import router as smallcases_router
from bridge_api.http.routers.suggestions import router as suggestions_router
from bridge_api.http.routers.users import router as users_router
from bridge_api.http.webapp import router as webapp_router


def create_app() -> FastAPI:
    """Build the app: routers, problem+json errors, CORS for the UI origin, request ids."""
    app = FastAPI(
        title="Saras bridge",
        version="0.1.0",
        description="Users, smallcases, subscriptions, the ledger and batches of Saras.",
        lifespan=lifespan,
    )
    problems.install(app)
    app.state.batch_events = BatchEvents(listener_conninfo)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=get_settings().cors_origins,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Request-ID"],
    )
    app.add_middleware(RequestIds)
    app.include_router(users_router, responses=problems.PROBLEMS)
    app.include_router(smallcases_router, responses=problems.PROBLEMS)
    app.include_router(portfolios_router, responses=problems.PROBLEMS)
    app.include_router(batches_router, responses=problems.PROBLEMS)
    app.include_router(kite_router, responses=problems.PROBLEMS)
    app.include_router(house_router, responses=problems.PROBLEMS)
    app.include_router(analytics_router, responses=problems.PROBLEMS)
    app.include_router(notes_router, responses=problems.PROBLEMS)
    app.include_router(operations_router)
    app.include_router(notifications_router, responses=problems.PROBLEMS)
    app.include_router(schedule_router, responses=problems.PROBLEMS)
    app.include_router(admin_router, responses=problems.PROBLEMS)
    app.include_router(corporate_actions_router, responses=problems.PROBLEMS)
    app.include_router(habits_router, responses=problems.PROBLEMS)
    app.include_router(backtests_router, responses=problems.PROBLEMS)
    app.include_router(suggestions_router, responses=problems.PROBLEMS)
    app.include_router(webapp_router)
    return app


def listener_conninfo() -> str:
    """The libpq address of the configured database, for the batch events' listener."""
    url = session_factory().kw["bind"].url
    return str(url.set(drivername="postgresql").render_as_string(hide_password=False))
