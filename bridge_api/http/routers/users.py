"""Routes: register, sign in, refresh, profile, KYC, and the admin's user decisions."""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session

from bridge_api.db.models import Kyc, User
from bridge_api.errors import Unauthorized
from bridge_api.http import cookies
from bridge_api.http.deps import (
    Admin,
    BearerCredentials,
    CurrentUser,
    Reader,
    SessionDep,
    SettingsDep,
)
from bridge_api.http.fields import IdPath
from bridge_api.http.schemas.users import (
    ActiveIn,
    KycDecisionIn,
    KycIn,
    KycOut,
    LoginIn,
    PasswordIn,
    RefreshIn,
    RegisterIn,
    RoleIn,
    TokensOut,
    UserOut,
)
from bridge_api.users import service
from bridge_api.users.security import TokenPair

router = APIRouter(tags=["users"])


def _kyc_out(kyc: Kyc | None) -> KycOut | None:
    if kyc is None:
        return None
    return KycOut(
        pan_masked=service.mask_pan(kyc.pan),
        legal_name=kyc.legal_name,
        date_of_birth=kyc.date_of_birth,
        status=kyc.status,
        reason=kyc.reason,
    )


def _user_out(session: Session, user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        kyc=_kyc_out(session.get(Kyc, user.id)),
    )


@router.post("/register", status_code=status.HTTP_201_CREATED)
def register(body: RegisterIn, session: SessionDep) -> UserOut:
    """Register as an investor."""
    user = service.register(
        session, email=body.email, password=body.password, full_name=body.full_name
    )
    return _user_out(session, user)


def _tokens(pair: TokenPair, *, refresh_in_body: bool) -> TokensOut:
    return TokensOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token if refresh_in_body else None,
        expires_in=pair.expires_in,
    )


@router.post("/login")
def login(
    body: LoginIn, request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> TokensOut:
    """Sign in; repeated failures for an email are throttled (429). Also sets the browser's
    refresh cookie and CSRF cookie; with ``"refresh_token_in": "cookie"`` the refresh token
    is left out of the body (the web app's way, docs/web-security.md)."""
    pair = service.login(session, email=body.email, password=body.password, settings=settings)
    cookies.set_session(response, request, pair.refresh_token, settings)
    return _tokens(pair, refresh_in_body=body.refresh_token_in == "body")


@router.post("/token/refresh")
def refresh(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    body: RefreshIn | None = None,
) -> TokensOut:
    """Trade a refresh token for a new pair: the body's, or else the refresh cookie's, which
    needs the header ``X-CSRF-Token`` equal to the CSRF cookie (403 without). The cookies are
    set again; a pair from the cookie leaves the refresh token out of the body."""
    from_body = body.refresh_token if body is not None else None
    token = from_body or cookies.refresh_from_cookie(request, settings)
    if token is None:
        raise Unauthorized("sign in: this needs a refresh token, in the body or its cookie")
    pair = service.refresh(session, token=token, settings=settings)
    cookies.set_session(response, request, pair.refresh_token, settings)
    return _tokens(pair, refresh_in_body=from_body is not None)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    credentials: BearerCredentials,
) -> None:
    """Sign out: this session's access and refresh tokens stop working at once. The session
    is the bearer access token's or, without one, the refresh cookie's (with its CSRF
    header); the browser's cookies are cleared either way."""
    if credentials is not None:
        service.sign_out(session, credentials.credentials, settings)
    else:
        token = cookies.refresh_from_cookie(request, settings)
        if token is None:
            raise Unauthorized("sign in: this needs a bearer access token or the refresh cookie")
        with suppress(Unauthorized):  # an expired refresh cookie: nothing to end; cleared
            service.sign_out_refresh(session, token, settings)
    cookies.clear_session(response, request, settings)


@router.put("/me/password")
def change_password(
    body: PasswordIn, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> TokensOut:
    """Change the password: every session ends, and a new one starts here."""
    pair = service.change_password(
        session, user, current=body.current_password, new=body.new_password, settings=settings
    )
    return _tokens(pair, refresh_in_body=True)


@router.get("/me")
async def me(read: Reader) -> UserOut:
    """The signed-in user's profile (PAN masked)."""
    return await read(_user_out)


@router.put("/me/kyc")
def submit_kyc(body: KycIn, user: CurrentUser, session: SessionDep) -> KycOut:
    """Submit or correct KYC details; an admin then verifies or rejects them."""
    kyc = service.submit_kyc(
        session, user, pan=body.pan, legal_name=body.legal_name, date_of_birth=body.date_of_birth
    )
    out = _kyc_out(kyc)
    assert out is not None
    return out


@router.post("/admin/kyc/{user_id}")
def decide_kyc(user_id: IdPath, body: KycDecisionIn, admin: Admin, session: SessionDep) -> KycOut:
    """Verify or reject a pending KYC (admin)."""
    kyc = service.decide_kyc(
        session, admin, user_id=user_id, status=body.status, reason=body.reason
    )
    out = _kyc_out(kyc)
    assert out is not None
    return out


@router.put("/admin/users/{user_id}/active")
def set_active(user_id: IdPath, body: ActiveIn, admin: Admin, session: SessionDep) -> UserOut:
    """Deactivate a user (every session of theirs ends) or reactivate one (admin)."""
    return _user_out(
        session, service.set_active(session, admin, user_id=user_id, active=body.active)
    )


@router.put("/admin/users/{user_id}/role")
def set_role(user_id: IdPath, body: RoleIn, admin: Admin, session: SessionDep) -> UserOut:
    """Give a user a role (admin); their sessions end, as their tokens carry the old role."""
    return _user_out(session, service.set_role(session, admin, user_id=user_id, role=body.role))
