"""Loading the sample market data, and demo users and smallcases for trying Saras out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge_api.db.models import KycStatus, Role, Smallcase, SmallcaseStatus, User
from bridge_api.market.loader import load_bars, load_instruments
from bridge_api.portfolios.cash import payin
from bridge_api.smallcases import service as smallcases
from bridge_api.users.pans import synthetic_pan
from bridge_api.users.security import hash_password
from bridge_api.users.service import add_user

DEMO_PASSWORD = "saras-demo-password"
DEMO_SIGN_INS = (
    ("investor", "asha@saras.demo"),
    ("manager", "manager@saras.demo"),
    ("admin", "admin@saras.demo"),
)
"""Whom to sign in to the app as, for each role (every demo user has `DEMO_PASSWORD`)."""


@dataclass(frozen=True, slots=True)
class _Weight:
    symbol: str
    weight: Decimal


DEMO_SMALLCASES = {
    "Nifty Leaders": {
        "RELIANCE": "20",
        "HDFCBANK": "20",
        "INFY": "15",
        "TCS": "15",
        "ICICIBANK": "15",
        "ITC": "15",
    },
    "IT Bellwethers": {"TCS": "30", "INFY": "30", "HCLTECH": "20", "WIPRO": "10", "TECHM": "10"},
}
DEMO_INVESTORS = {
    "asha@saras.demo": "250000.00",
    "vikram@saras.demo": "1000000.00",
    "meera@saras.demo": "75000.00",
}


def load_market(session: Session, data_dir: Path) -> tuple[int, int]:
    """Instruments and new bars from `data_dir`: (instruments, bars added)."""
    return load_instruments(session, data_dir), load_bars(session, data_dir)


def seed_demo(session: Session, *, paid_on: date | None = None) -> list[str]:
    """Demo admin, manager, three KYC-verified investors with pay-ins (dated `paid_on`,
    default today), and two published smallcases; idempotent (does nothing if the demo admin
    exists). Returns what it made."""
    if _user(session, "admin@saras.demo") is not None:
        return []
    password_hash = hash_password(DEMO_PASSWORD)  # one argon2 hash: every demo user shares it
    admin = add_user(
        session,
        email="admin@saras.demo",
        full_name="Demo Admin",
        role=Role.ADMIN,
        password_hash=password_hash,
    )
    manager = add_user(
        session,
        email="manager@saras.demo",
        full_name="Demo Manager",
        role=Role.MANAGER,
        password_hash=password_hash,
    )
    made = [f"admin {admin.email}", f"manager {manager.email}"]
    for email, amount in DEMO_INVESTORS.items():
        investor = add_user(
            session,
            email=email,
            full_name=email.split("@")[0].title(),
            role=Role.INVESTOR,
            password_hash=password_hash,
            kyc=KycStatus.VERIFIED,
            pan=synthetic_pan(len(made)),
            date_of_birth=date(1988, 4, 1),
        )
        payin(
            session,
            admin,
            user_id=investor.id,
            amount=Decimal(amount),
            reference="demo",
            on=paid_on,
        )
        made.append(f"investor {email} with Rs {amount}")
    for name, weights in DEMO_SMALLCASES.items():
        constituents = [_Weight(s, Decimal(w)) for s, w in weights.items()]
        smallcase = smallcases.create(
            session,
            manager,
            name=name,
            description=f"Demo: {name}",
            constituents=constituents,
            note="first version",
        )
        smallcases.set_status(session, manager, smallcase.id, SmallcaseStatus.PUBLISHED)
        made.append(f"smallcase {name}")
    return made


def counts(session: Session) -> dict[str, int]:
    """How many users and published smallcases there are."""
    return {
        "users": session.execute(select(func.count()).select_from(User)).scalar_one(),
        "published smallcases": session.execute(
            select(func.count())
            .select_from(Smallcase)
            .where(Smallcase.status == SmallcaseStatus.PUBLISHED)
        ).scalar_one(),
    }


def _user(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(User.email == email)).scalar_one_or_none()
