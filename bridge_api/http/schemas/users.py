"""Request and response bodies of the user routes."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool

from bridge_api.db.models import KycStatus, Role


class RegisterIn(BaseModel):
    """A new investor."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(min_length=10, max_length=128)
    full_name: str = Field(min_length=1, max_length=200)


class LoginIn(BaseModel):
    """Credentials."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(max_length=128)
    refresh_token_in: Literal["body", "cookie"] = "body"
    """Where the client wants the refresh token: in the answer's body (API clients), or only
    in its httpOnly cookie (the web app). The cookie is set either way."""


class RefreshIn(BaseModel):
    """A refresh token (omitted, or the body left out: the refresh cookie's)."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str | None = None


class TokensOut(BaseModel):
    """Bearer tokens; `expires_in` is the access token's life in seconds. `refresh_token` is
    null when it travels only in its httpOnly cookie."""

    access_token: str
    refresh_token: str | None
    token_type: str = "bearer"
    expires_in: int


class KycIn(BaseModel):
    """KYC details; the PAN must look like ``ABCDE1234F``."""

    model_config = ConfigDict(extra="forbid")

    pan: str = Field(pattern=r"^[A-Z]{5}[0-9]{4}[A-Z]$", examples=["ABCPE1234F"])
    legal_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date


class KycOut(BaseModel):
    """KYC as shown to anyone: the PAN masked to its last four characters."""

    pan_masked: str
    legal_name: str
    date_of_birth: date
    status: KycStatus
    reason: str | None = None


class KycDecisionIn(BaseModel):
    """An admin's decision on a pending KYC."""

    model_config = ConfigDict(extra="forbid")

    status: KycStatus
    reason: str | None = Field(default=None, max_length=500)


class UserOut(BaseModel):
    """A user's profile."""

    id: int
    email: str
    full_name: str
    role: Role
    kyc: KycOut | None = None


class RoleIn(BaseModel):
    """A role to give a user."""

    model_config = ConfigDict(extra="forbid")

    role: Role


class PasswordIn(BaseModel):
    """Change the password: the current one, and the new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=128)
    new_password: str = Field(min_length=10, max_length=128)


class ActiveIn(BaseModel):
    """Deactivate (false) or reactivate (true) a user."""

    model_config = ConfigDict(extra="forbid")

    active: StrictBool
