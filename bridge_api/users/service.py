"""Registration, sign-in with throttling, token refresh, roles and KYC decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge_api.audit.service import record
from bridge_api.config import Settings
from bridge_api.db.models import Kyc, KycStatus, LoginAttempt, Role, User
from bridge_api.errors import Conflict, Forbidden, Invalid, NotFound, TooManyAttempts, Unauthorized
from bridge_api.users import sessions
from bridge_api.users.security import (
    TokenPair,
    decode,
    hash_password,
    verify_password,
)

_NOBODY = hash_password("the password of no user")
"""Checked against when the email is unknown, so that an unknown email costs the same hash as
a known one and the time to answer does not tell which emails are registered."""


class BadCredentials(Unauthorized):
    """Wrong email or password; the failed attempt is kept even though the request fails."""

    commit = True


def register(session: Session, *, email: str, password: str, full_name: str) -> User:
    """Create an investor; emails are unique regardless of case."""
    existing = session.execute(
        select(User.id).where(func.lower(User.email) == email.lower())
    ).first()
    if existing is not None:
        raise Conflict("that email is already registered")
    user = User(
        email=email.lower(),
        password_hash=hash_password(password),
        full_name=full_name,
        role=Role.INVESTOR,
    )
    session.add(user)
    session.flush()
    return user


def add_user(
    session: Session,
    *,
    email: str,
    full_name: str,
    role: Role,
    password_hash: str,
    kyc: KycStatus | None = None,
    pan: str | None = None,
    date_of_birth: date = date(1990, 1, 1),
) -> User:
    """A user made directly, not through registration (seed data, backtests, tests), with a
    KYC record in state `kyc` under `pan` when one is given."""
    user = User(email=email, full_name=full_name, password_hash=password_hash, role=role)
    session.add(user)
    session.flush()
    if kyc is not None:
        if pan is None:
            raise Invalid("a KYC record needs a PAN")
        session.add(
            Kyc(
                user_id=user.id,
                pan=pan,
                legal_name=full_name,
                date_of_birth=date_of_birth,
                status=kyc,
            )
        )
        session.flush()
    return user


def login(session: Session, *, email: str, password: str, settings: Settings) -> TokenPair:
    """Check credentials and issue tokens; too many recent failures are refused with 429.

    Failures count since the last success within the configured window, per email.
    """
    address = email.lower()
    # One sign-in per email at a time, so parallel guesses cannot all read a low count.
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(address))))
    since = datetime.now(UTC) - timedelta(minutes=settings.login_window_minutes)
    last_success = session.execute(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == address, LoginAttempt.succeeded
        )
    ).scalar()
    window_start = max(since, last_success) if last_success else since
    failures = session.execute(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.email == address, ~LoginAttempt.succeeded, LoginAttempt.at > window_start
        )
    ).scalar_one()
    if failures >= settings.login_failures_allowed:
        raise TooManyAttempts(
            f"too many failed sign-ins; try again in {settings.login_window_minutes} minutes"
        )
    user = session.execute(
        select(User).where(func.lower(User.email) == address)
    ).scalar_one_or_none()
    matches = verify_password(password, user.password_hash if user else _NOBODY)
    if user is None or not user.active or not matches:
        session.add(LoginAttempt(email=address, succeeded=False))
        raise BadCredentials("wrong email or password")
    session.add(LoginAttempt(email=address, succeeded=True))
    return sessions.start(session, user, settings)


def refresh(session: Session, *, token: str, settings: Settings) -> TokenPair:
    """The next token pair of a refresh token's session (the token is spent; see `sessions`)."""
    return sessions.rotate(session, token, settings)


def user_from_access_token(session: Session, token: str, settings: Settings) -> User:
    """The active user an access token was issued to, while its session is open."""
    return sessions.user_of(session, decode(token, "access", settings))


def sign_out(session: Session, token: str, settings: Settings) -> None:
    """End the session of an access token."""
    claims = decode(token, "access", settings)
    sessions.end(session, claims["sid"], "signed out")


def sign_out_refresh(session: Session, token: str, settings: Settings) -> None:
    """End the session of a refresh token (the browser signs out with its refresh cookie)."""
    claims = decode(token, "refresh", settings)
    sessions.end(session, claims["sid"], "signed out")


def change_password(
    session: Session, user: User, *, current: str, new: str, settings: Settings
) -> TokenPair:
    """Set a new password once the current one is given; every session of the user ends,
    and a new one starts for this device (audited)."""
    if not verify_password(current, user.password_hash):
        raise Invalid(
            "the current password is wrong",
            errors=[{"field": "current_password", "message": "does not match"}],
        )
    user.password_hash = hash_password(new)
    sessions.end_all(session, user.id, "password changed")
    record(session, actor=user, action="user.password", entity="user", entity_id=user.id)
    return sessions.start(session, user, settings)


def set_active(session: Session, admin: User, *, user_id: int, active: bool) -> User:
    """An admin deactivates (every session ends) or reactivates a user (audited)."""
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if user.id == admin.id and not active:
        raise Conflict("an admin cannot deactivate themselves")
    before = {"active": user.active}
    user.active = active
    if not active:
        sessions.end_all(session, user.id, "deactivated")
    record(
        session,
        actor=admin,
        action="user.active",
        entity="user",
        entity_id=user_id,
        before=before,
        after={"active": active},
    )
    return user


def mask_pan(pan: str) -> str:
    """``ABCPE1234F`` -> ``******234F``."""
    return "*" * (len(pan) - 4) + pan[-4:]


def submit_kyc(
    session: Session, user: User, *, pan: str, legal_name: str, date_of_birth: date
) -> Kyc:
    """Record (or replace a pending or rejected) KYC submission; a verified one is final."""
    if date_of_birth >= date.today():
        raise Invalid(
            "date of birth must be in the past",
            errors=[{"field": "date_of_birth", "message": "must be in the past"}],
        )
    kyc = session.get(Kyc, user.id, with_for_update=True)
    if kyc is not None and kyc.status is KycStatus.VERIFIED:
        raise Conflict("KYC is already verified")
    if _pan_holder(session, pan) not in (None, user.id):
        raise Conflict("this PAN belongs to another account: one PAN, one investor")
    if kyc is None:
        kyc = Kyc(user_id=user.id, pan=pan, legal_name=legal_name, date_of_birth=date_of_birth)
        session.add(kyc)
    else:
        kyc.pan, kyc.legal_name, kyc.date_of_birth = pan, legal_name, date_of_birth
        kyc.status, kyc.reason, kyc.decided_at, kyc.decided_by = KycStatus.PENDING, None, None, None
    session.flush()
    return kyc


def decide_kyc(
    session: Session, admin: User, *, user_id: int, status: KycStatus, reason: str | None
) -> Kyc:
    """An admin verifies or rejects a pending KYC (audited)."""
    if status is KycStatus.PENDING:
        raise Invalid(
            "a decision is verified or rejected",
            errors=[{"field": "status", "message": "must be verified or rejected"}],
        )
    if status is KycStatus.REJECTED and not reason:
        raise Invalid(
            "a rejection needs a reason",
            errors=[{"field": "reason", "message": "required when rejecting"}],
        )
    kyc = session.get(Kyc, user_id, with_for_update=True)
    if kyc is None:
        raise NotFound(f"user {user_id} has not submitted KYC")
    if kyc.status is not KycStatus.PENDING:
        raise Conflict(f"KYC of user {user_id} is already {kyc.status}")
    if status is KycStatus.VERIFIED:
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"pan:{kyc.pan}"))))
        holder = _pan_holder(session, kyc.pan)
        if holder is not None and holder != user_id:
            raise Conflict(f"this PAN is already verified for user {holder}: one PAN, one investor")
    before = {"status": str(kyc.status)}
    kyc.status, kyc.reason = status, reason
    kyc.decided_at, kyc.decided_by = datetime.now(UTC), admin.id
    record(
        session,
        actor=admin,
        action="kyc.decide",
        entity="kyc",
        entity_id=user_id,
        before=before,
        after={"status": str(status), "reason": reason},
    )
    return kyc


def _pan_holder(session: Session, pan: str) -> int | None:
    """The user for whom `pan` is verified, if any."""
    return session.execute(
        select(Kyc.user_id).where(Kyc.pan == pan, Kyc.status == KycStatus.VERIFIED)
    ).scalar_one_or_none()


def require_verified_kyc(session: Session, user: User) -> None:
    """Refuse investing until the user's KYC is verified."""
    kyc = session.get(Kyc, user.id)
    if kyc is None or kyc.status is not KycStatus.VERIFIED:
        raise Forbidden("investing needs verified KYC")


def set_role(session: Session, admin: User, *, user_id: int, role: Role) -> User:
    """An admin changes a user's role (audited)."""
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound(f"no user {user_id}")
    before = {"role": str(user.role)}
    user.role = role
    sessions.end_all(session, user.id, "role changed")  # tokens carry the role they had
    record(
        session,
        actor=admin,
        action="user.role",
        entity="user",
        entity_id=user_id,
        before=before,
        after={"role": str(role)},
    )
    return user


def users(
    session: Session,
    *,
    role: Role | None = None,
    kyc: KycStatus | None = None,
    limit: int,
    before: int | None = None,
) -> list[tuple[User, Kyc | None]]:
    """Users with their KYC, newest first, filtered by role and KYC status (the KYC queue is
    ``kyc=pending``); page with `before` (a user id)."""
    query = select(User, Kyc).outerjoin(Kyc, Kyc.user_id == User.id).limit(limit)
    if role is not None:
        query = query.where(User.role == role)
    if kyc is not None:
        query = query.where(Kyc.status == kyc)
    if before is not None:
        query = query.where(User.id < before)
    query = query.order_by(User.id.desc())
    return [(user, row) for user, row in session.execute(query).all()]
