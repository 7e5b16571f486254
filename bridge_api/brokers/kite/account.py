"""Today's Kite account as one broker object, for the engine, the CLI and the bridge."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.kite.broker import KiteBroker
from bridge_api.brokers.kite.sessions import NoKiteSession, client, current, session_lost
from bridge_api.config import Settings


def kite_broker(sessions: sessionmaker[Session], settings: Settings) -> KiteBroker:
    """A Kite broker on the current session; a refused session is ended and alerted."""
    with sessions() as session:
        active = current(session, settings=settings)
    if active is None:
        raise NoKiteSession("no valid Kite session: log in with `saras kite login`")

    def lost(reason: str) -> None:
        with sessions() as session, session.begin():
            session_lost(session, reason, session_id=active.id)

    broker = KiteBroker(
        client(settings, active.access_token),
        sessions=sessions,
        on_session_lost=lost,
        algo_id=settings.kite_algo_id,
    )
    broker.session_id = active.id
    return broker


def live_prices(
    sessions: sessionmaker[Session], settings: Settings
) -> Callable[[set[str]], dict[str, Decimal]]:
    """Sizing prices from Kite's quotes (last traded prices) on today's session."""
    broker = kite_broker(sessions, settings)

    def prices(symbols: set[str]) -> dict[str, Decimal]:
        return {symbol: quote.price for symbol, quote in broker.quotes(symbols).items()}

    return prices
