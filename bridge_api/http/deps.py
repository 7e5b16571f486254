"""Request-scoped dependencies: the session (the transaction boundary) and the signed-in user."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.config import Settings, get_settings
from bridge_api.db.models import Role, User
from bridge_api.db.session import session_factory
from bridge_api.errors import DomainError, Forbidden, Unauthorized
from bridge_api.http.admission import admitted
from bridge_api.users import sessions
from bridge_api.users.security import decode
from bridge_api.users.service import user_from_access_token

_bearer = HTTPBearer(auto_error=False)
T = TypeVar("T")


@contextmanager
def request_transaction(session: Session) -> Iterator[Session]:
    """Commit the request's work on success; roll it back on any error, except a refusal
    whose work must be kept (such as a failed sign-in attempt)."""
    try:
        yield session
        session.commit()
    except DomainError as error:
        if error.commit:
            session.commit()
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, ended as `request_transaction` ends it, once the request
    is admitted to the database (`admitted`).

    Made on the event loop (a new session holds no connection yet, so this costs no trip to
    the threadpool); ended in the threadpool (commit or rollback, then the connection goes
    back to the pool), shielded from cancellation so a dropped client never leaves a
    connection checked out. A session left holding nothing (a `Reader` committed it) is
    ended on the loop: there is nothing to send."""
    async with admitted(request):
        session = session_factory()()
        try:
            yield session
        except BaseException as error:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_end, session, error)
            raise
        if session.in_transaction() or session.new or session.dirty or session.deleted:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_end, session, None)
        else:
            _end(session, None)  # nothing to send (a `Reader` committed): no threadpool trip


def _end(session: Session, error: BaseException | None) -> None:
    try:
        if error is None or (isinstance(error, DomainError) and error.commit):
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""The request's session; it commits before the response is sent, so a failed commit is the
response (never a success for work that was lost)."""


async def _settings() -> Settings:
    """The settings, without a trip to the threadpool (FastAPI runs a plain function there)."""
    return get_settings()


SettingsDep = Annotated[Settings, Depends(_settings)]
SessionsDep = Annotated[sessionmaker[Session], Depends(session_factory)]
"""Where to open sessions of one's own (a stream that outlives the request's transaction)."""


def current_user(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user of the request's bearer access token."""
    if credentials is None:
        raise Unauthorized("sign in: this needs a bearer access token")
    return user_from_access_token(session, credentials.credentials, settings)


CurrentUser = Annotated[User, Depends(current_user)]


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
"""The request's bearer credentials, if any (unchecked)."""


def require(*roles: Role) -> Callable[[User], User]:
    """A dependency that admits only users with one of `roles`."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(roles)}")
        return user

    return check


Manager = Annotated[User, Depends(require(Role.MANAGER, Role.ADMIN))]
Admin = Annotated[User, Depends(require(Role.ADMIN))]


@dataclass(frozen=True, slots=True)
class Reading:
    """Serves a request's work in one trip to the threadpool: the session of the bearer's
    access token is checked, the work runs and the transaction commits in the same worker
    thread (a route written with `CurrentUser` takes four trips: the settings, the user, the
    route, the commit). The session is the request's (`SessionDep`), admitted and ended as
    every request's is; the token is decoded before (a bad one is refused as `current_user`
    refuses it, before the query is validated)."""

    session: Session
    claims: dict[str, Any]

    async def __call__(self, work: Callable[[Session, User], T]) -> T:
        """`work(session, user)`'s result, committed."""
        return await anyio.to_thread.run_sync(self._run, work)

    def _run(self, work: Callable[[Session, User], T]) -> T:
        result = work(self.session, sessions.user_of(self.session, self.claims))
        self.session.commit()
        return result


async def reading(
    session: SessionDep, settings: SettingsDep, credentials: BearerCredentials
) -> Reading:
    """The request's `Reading` (made on the event loop: it does no I/O)."""
    if credentials is None:
        raise Unauthorized("sign in: this needs a bearer access token")
    return Reading(session, decode(credentials.credentials, "access", settings))


Reader = Annotated[Reading, Depends(reading)]
