"""Settings for the bridge, read once from the environment (``SARAS_*``, and ``DATABASE_URL``)."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from cryptography.fernet import Fernet
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from allocator.constants import CHARGES_RESERVE, DEFAULT_COLLAR

REPOSITORY = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Everything configurable; defaults are safe for a developer's machine."""

    model_config = SettingsConfigDict(env_prefix="SARAS_", extra="ignore")

    environment: Literal["dev", "test", "prod"] = "dev"
    log_format: Literal["auto", "json", "text"] = "auto"
    """Log records as JSON lines or readable text; ``auto``: JSON in production."""
    engine_metrics_port: int | None = None
    """The port on which ``saras engine run`` serves its Prometheus metrics
    (``SARAS_ENGINE_METRICS_PORT``); unset, it serves none (docs/operations.md)."""
    market_holidays: list[date] = []
    """NSE trading holidays to add to the exchange calendar's (JSON list of ISO dates)."""
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "SARAS_DATABASE_URL")
    )
    migration_database_url: str | None = None
    """Where migrations run as the tables' owner (``SARAS_MIGRATION_DATABASE_URL``); unset, the
    database URL's user runs them (and must be able to become the application role)."""
    data_dir: Path = Field(default_factory=lambda: platformdirs.user_data_path("saras"))
    market_data_dir: Path = REPOSITORY / "data"
    backup_dir: Path = Field(
        default_factory=lambda: platformdirs.user_data_path("saras") / "backups"
    )
    """Where the scheduled nightly backup writes ``saras-<day>.dump`` (SARAS_BACKUP_DIR)."""
    db_pool_size: int = Field(default=10, ge=1, le=200)
    """Connections each process keeps open (``SARAS_DB_POOL_SIZE``). The API serves at most
    this many requests' database work at once per process (the rest wait their turn), so it
    never opens connections beyond it (docs/scaling.md, Serving the API)."""
    db_max_overflow: int = Field(default=5, ge=0, le=200)
    """Connections a process may open beyond the pool for a moment, closed when returned."""
    jwt_secret: SecretStr | None = None
    access_token_minutes: int = 15
    refresh_token_days: int = 7
    session_retention_days: int = Field(default=30, ge=1)
    """How long after a sign-in session ended, or its last refresh token expired, the day's
    `session_pruning` keeps its rows (``SARAS_SESSION_RETENTION_DAYS``)."""
    cors_origins: list[str] = ["http://localhost:5173", "http://127.0.0.1:5173"]
    web_dir: Path = REPOSITORY / "web"
    """The web app's sources; the bridge serves its build (``web/build``) under ``/app/``."""
    secure_cookies: bool = False
    """Mark the browser's session cookies ``Secure`` on every request
    (``SARAS_SECURE_COOKIES=true`` behind a TLS-terminating proxy); without it they are
    ``Secure`` when the request itself came over https."""
    login_failures_allowed: int = 5
    login_window_minutes: int = 15
    buy_collar: Decimal = DEFAULT_COLLAR
    """How far a buy's limit may sit above its reference price (a fraction)."""
    buy_charges_rate: Decimal = CHARGES_RESERVE
    """The share of a buy's value held back for its charges when it is sized."""
    real_money: bool = False
    """Trading real money through Kite is off unless this is set (``SARAS_REAL_MONEY=true``)."""
    crossing_cleared: bool = False
    """Internal crossing with real money, allowed only once a compliance review has cleared it
    (``SARAS_CROSSING_CLEARED=true``); without real money crossing is the manager's choice."""
    opposite_same_day: bool = False
    """Send an order in a symbol already traded on the other side today
    (``SARAS_OPPOSITE_SAME_DAY=true``, the operator's override). Off, that side waits for the
    next session: the exchange would net the two as intraday (docs/ledger.md)."""
    kite_api_key: str | None = None
    kite_api_secret: SecretStr | None = None
    kite_root: str = "https://api.kite.trade"
    kite_timeout: float = 7.0
    kite_algo_id: str | None = None
    """The exchange-issued algo ID sent with every Kite order (``SARAS_KITE_ALGO_ID``), once the
    strategy is registered through Zerodha (SEBI's retail-algo framework, docs/kite.md); unset,
    orders go without one and the broker applies its generic ID below the OPS threshold."""
    token_key: SecretStr | None = None
    """Fernet key that encrypts the Kite access token at rest (generated per data dir if unset)."""
    smtp_host: str | None = None
    """Where notification e-mail goes (``SARAS_SMTP_HOST``); unset, e-mail is not a channel."""
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "Saras <saras@localhost>"
    webhook_attempts: int = 6
    """Sends of a webhook before it is parked as a dead letter."""
    webhook_backoff_seconds: float = 30.0
    """The first retry's delay; each further retry waits twice as long."""
    webhook_timeout: float = 10.0

    @model_validator(mode="after")
    def _production_needs_explicit_secrets(self) -> Settings:
        if self.environment == "prod" and (self.jwt_secret is None or self.database_url is None):
            raise ValueError("production needs SARAS_JWT_SECRET and DATABASE_URL set explicitly")
        return self

    def signing_key(self) -> str:
        """The JWT signing key: configured, or generated once per data directory (dev/test)."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        return self._generated("jwt-secret", lambda: secrets.token_urlsafe(48))

    def token_encryption_key(self) -> str:
        """The key that encrypts broker tokens at rest: configured, or generated once per data
        directory (kept outside the repository, readable only by its owner)."""
        if self.token_key is not None:
            return self.token_key.get_secret_value()
        return self._generated("token-key", lambda: Fernet.generate_key().decode())

    def _generated(self, name: str, make: Callable[[], str]) -> str:
        path = self.data_dir / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(make())
            try:
                os.link(draft, path)  # appears whole, and only the first writer's wins
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return path.read_text().strip()

    def kite_secret(self) -> str:
        """The Kite app's API secret, or a clear error when it is not configured."""
        if self.kite_api_key is None or self.kite_api_secret is None:
            raise ValueError("set SARAS_KITE_API_KEY and SARAS_KITE_API_SECRET (the Kite app's)")
        return self.kite_api_secret.get_secret_value()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (cached; tests clear the cache to override)."""
    return Settings()
