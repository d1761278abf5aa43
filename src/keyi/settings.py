"""Runtime configuration, read once from the environment (and overridden by CLI flags).

Kept as one frozen object passed explicitly: no module reads the environment on its own, so
tests can run several differently configured apps in one process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where Keyi keeps its data and how it serves it."""

    data_dir: Path = Path("keyi-data")
    # None means the embedded default: SQLite files under data_dir.
    database_url: str | None = None
    # PostgreSQL only: the schema holding the control tables (tenants, identities, sessions).
    control_schema: str = "keyi_control"
    host: str = "127.0.0.1"
    port: int = 8000
    # Server processes sharing the port (`keyi serve --workers N`); 1 serves in this process.
    workers: int = 1
    web_dist: Path | None = None
    session_ttl_hours: int = 24 * 7
    # A session not used for this long stops working (0: only the TTL above applies).
    session_idle_minutes: int = 120
    # None: Secure cookies exactly when public_url is https; True/False force it either way.
    secure_cookies: bool | None = None
    run_worker_in_process: bool = True
    # Sign-in attempts allowed per client address per minute, counted in the control database
    # (or Redis when redis_url is set) so every server process shares the count.
    login_attempts_per_minute: int = 20
    # Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks). Empty:
    # the header is ignored and the peer address is the client, so nobody can spoof theirs.
    trusted_proxies: tuple[str, ...] = ()
    # Redis for shared counters (rate limits); None keeps them in the control database.
    redis_url: str | None = field(default=None, repr=False)
    # Outgoing mail (invitations). No host means no mail is sent; links are still returned.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "Keyi <no-reply@localhost>"
    # How the SMTP connection is secured: "none" (plain, a relay on the local network),
    # "starttls" (upgraded after connecting, usually port 587) or "ssl" (TLS from the start,
    # usually port 465). Certificates are always verified (keyi.platform.mail_tls).
    smtp_security: str = "none"
    # Extra CA certificates (a PEM file) trusted for mail servers besides the system's: an
    # on-premise mail server with an internal CA. Verification is never switched off.
    mail_ca_file: str | None = None
    # Queue mailboxes (IMAP) may connect to loopback and private networks (an on-premise mail
    # server, tests, the demo); otherwise only public addresses, so that a tenant's
    # administrator cannot probe the servers' internal network with "test connection".
    mail_allow_private: bool = False
    # The address users reach the web app at, for links in emails ("https://crm.example.com").
    public_url: str | None = None
    # Key for secrets stored at rest (SSO client secrets); None means a key file generated in
    # data_dir (see keyi.platform.crypto). Kept out of repr so it cannot reach a log.
    secret_key: str | None = field(default=None, repr=False)
    # Largest request body per route class (keyi.api.traits.BodyClass), in bytes; larger
    # bodies are refused with 413 before any of them is read.
    max_body_auth: int = 16 * 1024
    max_body_json: int = 1024 * 1024
    max_body_upload: int = 32 * 1024 * 1024
    # SQLite only: how long a write waits for another writer's lock before the request is
    # answered 503 (database busy).
    sqlite_busy_timeout_ms: int = 30_000
    # Prometheus /metrics: a bearer token, and/or client networks allowed without one.
    # Empty by default: behind a reverse proxy every request comes from the proxy's
    # (often loopback) address, so no address is trusted unless configured.
    metrics_token: str | None = field(default=None, repr=False)
    metrics_allow: tuple[str, ...] = ()
    # Days a delivered outbox event is kept before the `outbox_prune` job deletes it.
    outbox_retention_days: float = 7
    # Jobs (keyi.platform.jobs): how long a worker holds a claimed job before another may take
    # it (a crashed worker's jobs wait this long), how long an idle worker sleeps between
    # rounds, days done jobs are kept, and extension modules a worker imports for job kinds.
    job_lease_seconds: float = 300
    job_poll_seconds: float = 0.25
    job_retention_days: float = 7
    job_modules: tuple[str, ...] = ()
    # Webhooks may target loopback and private networks (on-premise receivers, tests);
    # otherwise only public addresses (keyi.platform.webhooks.targets).
    webhook_allow_private: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def cookies_secure(self) -> bool:
        """Whether cookies carry the Secure flag: explicit setting, else an https public URL."""
        if self.secure_cookies is not None:
            return self.secure_cookies
        return bool(self.public_url) and str(self.public_url).lower().startswith("https://")

    @property
    def is_postgres(self) -> bool:
        return bool(self.database_url) and str(self.database_url).startswith("postgresql")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        base = cls()
        return replace(
            base,
            data_dir=Path(env.get("KEYI_DATA_DIR", str(base.data_dir))),
            database_url=env.get("KEYI_DATABASE_URL") or None,
            control_schema=env.get("KEYI_CONTROL_SCHEMA", base.control_schema),
            host=env.get("KEYI_HOST", base.host),
            port=int(env.get("KEYI_PORT", str(base.port))),
            workers=int(env.get("KEYI_WORKERS", str(base.workers))),
            web_dist=Path(env["KEYI_WEB_DIST"]) if env.get("KEYI_WEB_DIST") else None,
            session_idle_minutes=int(
                env.get("KEYI_SESSION_IDLE_MINUTES", str(base.session_idle_minutes))
            ),
            secure_cookies=(
                env["KEYI_SECURE_COOKIES"] == "1" if env.get("KEYI_SECURE_COOKIES") else None
            ),
            trusted_proxies=tuple(
                part.strip()
                for part in env.get("KEYI_TRUSTED_PROXIES", "").split(",")
                if part.strip()
            ),
            redis_url=env.get("KEYI_REDIS_URL") or None,
            login_attempts_per_minute=int(
                env.get("KEYI_LOGIN_RATE_LIMIT", str(base.login_attempts_per_minute))
            ),
            smtp_host=env.get("KEYI_SMTP_HOST") or None,
            smtp_port=int(env.get("KEYI_SMTP_PORT", str(base.smtp_port))),
            smtp_from=env.get("KEYI_SMTP_FROM", base.smtp_from),
            smtp_security=_smtp_security(env.get("KEYI_SMTP_SECURITY", base.smtp_security)),
            mail_ca_file=env.get("KEYI_MAIL_CA_FILE") or None,
            mail_allow_private=env.get("KEYI_MAIL_ALLOW_PRIVATE") == "1",
            public_url=env.get("KEYI_PUBLIC_URL") or None,
            secret_key=env.get("KEYI_SECRET_KEY") or None,
            max_body_auth=int(env.get("KEYI_MAX_BODY_AUTH", str(base.max_body_auth))),
            max_body_json=int(env.get("KEYI_MAX_BODY_JSON", str(base.max_body_json))),
            max_body_upload=int(env.get("KEYI_MAX_BODY_UPLOAD", str(base.max_body_upload))),
            sqlite_busy_timeout_ms=int(
                env.get("KEYI_SQLITE_BUSY_TIMEOUT_MS", str(base.sqlite_busy_timeout_ms))
            ),
            metrics_token=env.get("KEYI_METRICS_TOKEN") or None,
            metrics_allow=tuple(
                part.strip()
                for part in env.get("KEYI_METRICS_ALLOW", "").split(",")
                if part.strip()
            ),
            outbox_retention_days=float(
                env.get("KEYI_OUTBOX_RETENTION_DAYS", str(base.outbox_retention_days))
            ),
            run_worker_in_process=env.get("KEYI_RUN_WORKER_IN_PROCESS", "1") != "0",
            job_lease_seconds=float(env.get("KEYI_JOB_LEASE_SECONDS", str(base.job_lease_seconds))),
            job_poll_seconds=float(env.get("KEYI_JOB_POLL_SECONDS", str(base.job_poll_seconds))),
            job_retention_days=float(
                env.get("KEYI_JOB_RETENTION_DAYS", str(base.job_retention_days))
            ),
            job_modules=tuple(
                part.strip() for part in env.get("KEYI_JOB_MODULES", "").split(",") if part.strip()
            ),
            webhook_allow_private=env.get("KEYI_WEBHOOK_ALLOW_PRIVATE") == "1",
        )


def _smtp_security(value: str) -> str:
    """KEYI_SMTP_SECURITY, checked at start-up: a typo must not fall back to plain text."""
    mode = value.strip().lower()
    if mode not in ("none", "starttls", "ssl"):
        raise ValueError("KEYI_SMTP_SECURITY must be none, starttls or ssl")
    return mode
