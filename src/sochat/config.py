"""Settings, built once (from the environment and CLI flags) and passed in; nothing else reads env."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "SOCHAT_"
PUSH_BACKENDS = ("auto", "memory", "postgres", "redis")


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _list(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob sochat has. Environment names are ``SOCHAT_`` + the upper-cased field name."""

    database_url: str = field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'sochat.db'}")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    demo: bool = False
    # URL prefix NetServer is usually mounted under ("/SuperOffice"); "" serves /api at the root.
    root_path: str = ""
    base_timezone: str = "UTC"
    default_language: str = "en"
    max_body_bytes: int = 1_048_576
    max_header_bytes: int = 16_384
    # Basic auth re-sends the password on every request; argon2 verification costs tens of
    # milliseconds, so a verified password is remembered this long (0 = never).
    credential_cache_seconds: float = 60.0
    basic_auth: bool = True
    # Failed logins allowed per user name and per client address within the window.
    login_failures_per_user: int = 10
    login_failures_per_address: int = 50
    login_failure_window_seconds: float = 300.0
    ticket_ttl_seconds: int = 8 * 3600
    app_tokens: tuple[str, ...] = ()
    require_app_token: bool = False
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_file: str = ""
    oidc_jwks_url: str = ""
    oidc_user_claim: str = "preferred_username"
    # Webhook targets must be https, except loopback and these hosts (comma-separated).
    webhook_allowed_hosts: tuple[str, ...] = ()
    # Failures in a row after which a webhook is set to TooManyErrors.
    webhook_max_consecutive_errors: int = 7
    # Ended sessions are purged this many days after they ended (0 = kept); Deleted ones always.
    retention_days: int = 0
    cors_origins: tuple[str, ...] = ()
    cookie_secure: bool = True
    log_level: str = "info"
    # Event streams (sochat/push). auto = postgres on a PostgreSQL database, memory on SQLite.
    push_backend: str = "auto"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # LISTEN/NOTIFY or pub/sub channel; deployments sharing one Redis need different ones.
    push_channel: str = "sochat_events"
    push_heartbeat_seconds: float = 15.0
    # How often each process looks for new events even without a notification.
    push_poll_seconds: float = 1.0
    push_max_streams: int = 10_000
    # A stream whose client takes longer than this to accept one write is disconnected.
    push_send_timeout_seconds: float = 30.0
    # On shutdown, open requests (event streams included) get this long before they are cut.
    shutdown_timeout_seconds: int = 5
    # The public visitor API (docs/visitor-api.md). Limits are per process.
    visitor_max_message_chars: int = 4000
    visitor_sessions_per_address_hour: int = 20
    visitor_messages_per_minute: int = 30
    visitor_requests_per_second: int = 20
    # Visitor streams have their own budget, so they never take agents' streams away.
    visitor_max_streams: int = 5000
    visitor_streams_per_session: int = 3
    visitor_streams_per_address: int = 20
    # After a session ends its visitor may still read, rate and ask for the transcript.
    visitor_grace_seconds: int = 3600
    # E-mail: smtp://user:pass@host:port (smtps:// for implicit TLS); empty = no e-mail.
    smtp_url: str = ""
    smtp_starttls: bool = False
    smtp_from: str = "sochat@localhost"
    smtp_timeout_seconds: float = 10.0
    # Chat files: "" = sochat-files next to the SQLite file, or ./sochat-files.
    files_dir: str = ""
    files_enabled: bool = True
    files_max_bytes: int = 10 * 1_048_576
    files_allowed_types: tuple[str, ...] = (
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, /, **overrides: object) -> Settings:
        """Defaults, then ``SOCHAT_*`` variables, then explicit overrides (CLI flags)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            try:
                values[f.name] = _convert(f.type, raw)
            except ValueError as exc:
                raise ValueError(f"{ENV_PREFIX}{f.name.upper()}: {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be at least 1024")
        if self.push_backend not in PUSH_BACKENDS:
            raise ValueError(f"push_backend must be one of {', '.join(PUSH_BACKENDS)}")
        if self.push_heartbeat_seconds <= 0 or self.push_poll_seconds <= 0:
            raise ValueError("push_heartbeat_seconds and push_poll_seconds must be positive")
        if self.smtp_url and not self.smtp_url.startswith(("smtp://", "smtps://")):
            raise ValueError("smtp_url must start with smtp:// or smtps://")
        if self.root_path and (not self.root_path.startswith("/") or self.root_path.endswith("/")):
            raise ValueError("root_path must start with '/' and not end with one (e.g. /SuperOffice)")

    @property
    def files_path(self) -> Path:
        """Where chat files live: ``files_dir``, else next to the SQLite file, else ./sochat-files."""
        if self.files_dir:
            return Path(self.files_dir)
        if self.is_sqlite and self.database_url.startswith("sqlite:///"):
            db_file = self.database_url.removeprefix("sqlite:///").split("?", 1)[0]
            if db_file and db_file != ":memory:":
                return Path(db_file).resolve().parent / "sochat-files"
        return Path.cwd() / "sochat-files"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def push_broker(self) -> str:
        """The effective push backend: ``auto`` resolved by the database."""
        if self.push_backend != "auto":
            return self.push_backend
        return "memory" if self.is_sqlite else "postgres"


def _convert(type_name: object, raw: str) -> object:
    text = str(type_name)
    if text == "bool":
        return _bool(raw)
    if text == "int":
        return int(raw)
    if text == "float":
        return float(raw)
    if text.startswith("tuple"):
        return _list(raw)
    return raw
