"""Configuration from the environment, in one place.

Every process role (web, worker, beat, the all-in-one ``python app.py``) reads its settings
here, so a deployment is described by environment variables alone. Secrets are never
defaulted to a shared value: a missing secret is generated per data directory and kept
there (readable by the owner only), so a laptop run is safe and a cluster sets it explicitly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from omics.files import private_secret

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CORPUS = REPOSITORY_ROOT / "data" / "geo_series.jsonl.gz"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


T = TypeVar("T")


def _int_fields_from_env(cls: type[T], prefix: str) -> T:
    """A settings dataclass of integers, each field overridable as ``<prefix><FIELD NAME>``."""
    defaults = vars(cls())
    return cls(**{name: _env_int(f"{prefix}{name.upper()}", default) for name, default in defaults.items()})


def persistent_secret(data_dir: Path, name: str) -> str:
    """Return a random secret stored in the data directory (0600 from creation), made on first use."""
    return private_secret(data_dir / f".{name}")


@dataclass
class CacheSettings:
    """Bounds and lifetimes of the search cache tiers (see ``omics/cache``).

    L1 is per process and short-lived because other processes can only clear it by message;
    L2 (Redis) is shared; L3 (SQLite in the data directory) outlives a Redis flush.
    """

    l1_size: int = 256
    l1_ttl: int = 60
    l2_ttl: int = 3600
    l3_ttl: int = 7 * 86400
    l3_max_entries: int = 5000
    warm_top: int = 50
    warm_interval: int = 300
    l3_sweep_interval: int = 300  # seconds between sweeps of expired L3 rows (a beat task)

    @classmethod
    def from_env(cls) -> CacheSettings:
        return _int_fields_from_env(cls, "OMICS_CACHE_")


@dataclass
class SecuritySettings:
    """Database, token lifetimes, rate limits and allowed origins (see ``omics/security``).

    ``jwt_secret`` empty means "use the per-data-dir secret key"; there is never a constant
    fallback. Flower has no default password: without both variables it refuses to start.
    """

    database_url: str | None = None
    jwt_secret: str = ""
    access_token_minutes: int = 15
    refresh_token_days: int = 14
    rate_limit_anonymous: str = "30/minute;600/day"
    rate_limit_user: str = "120/minute;10000/day"
    allowed_origins: tuple[str, ...] = ()
    flower_user: str = ""
    flower_password: str = ""
    max_api_keys_per_user: int = 10
    auth_failure_limit: str = "20/minute"
    ws_max_per_ip: int = 20
    ws_max_per_process: int = 2000
    audit_key: str = ""
    trusted_proxies: int = 0
    refresh_reuse_grace_seconds: int = 10

    @classmethod
    def from_env(cls) -> SecuritySettings:
        default = cls()
        origins = os.environ.get("OMICS_ALLOWED_ORIGINS", "")
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            jwt_secret=os.environ.get("OMICS_JWT_SECRET", ""),
            access_token_minutes=_env_int("OMICS_ACCESS_TOKEN_MINUTES", default.access_token_minutes),
            refresh_token_days=_env_int("OMICS_REFRESH_TOKEN_DAYS", default.refresh_token_days),
            rate_limit_anonymous=os.environ.get("OMICS_RATE_LIMIT_ANONYMOUS") or default.rate_limit_anonymous,
            rate_limit_user=os.environ.get("OMICS_RATE_LIMIT_USER") or default.rate_limit_user,
            allowed_origins=tuple(origin.strip() for origin in origins.split(",") if origin.strip()),
            flower_user=os.environ.get("OMICS_FLOWER_USER", ""),
            flower_password=os.environ.get("OMICS_FLOWER_PASSWORD", ""),
            max_api_keys_per_user=_env_int("OMICS_MAX_API_KEYS_PER_USER", default.max_api_keys_per_user),
            auth_failure_limit=os.environ.get("OMICS_AUTH_FAILURE_LIMIT") or default.auth_failure_limit,
            ws_max_per_ip=_env_int("OMICS_WS_MAX_PER_IP", default.ws_max_per_ip),
            ws_max_per_process=_env_int("OMICS_WS_MAX_PER_PROCESS", default.ws_max_per_process),
            audit_key=os.environ.get("OMICS_AUDIT_KEY", ""),
            trusted_proxies=_env_int("OMICS_TRUSTED_PROXIES", default.trusted_proxies),
            refresh_reuse_grace_seconds=_env_int(
                "OMICS_REFRESH_REUSE_GRACE_SECONDS", default.refresh_reuse_grace_seconds
            ),
        )


@dataclass
class OAuthSettings:
    """The OAuth2 authorization server and the external OpenID Connect provider (``omics/security/oauth``).

    ``issuer`` empty means "this server's own URL as the request reached it". ``signing_algorithm``
    is RS256 or EdDSA (Ed25519); changing it takes effect as a key rotation at the next start.
    The external provider is configured when ``oidc_issuer`` and ``oidc_client_id`` are set;
    its users get ``oidc_default_role`` on first sign-in, never a role from the provider's claims.
    """

    issuer: str = ""
    signing_algorithm: str = "RS256"
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scope: str = "openid profile email"
    oidc_name: str = "your institution"
    oidc_default_role: str = "researcher"

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @classmethod
    def from_env(cls) -> OAuthSettings:
        default = cls()
        return cls(
            issuer=os.environ.get("OMICS_OAUTH_ISSUER", "").rstrip("/"),
            signing_algorithm=os.environ.get("OMICS_OAUTH_SIGNING_ALG") or default.signing_algorithm,
            oidc_issuer=os.environ.get("OMICS_OIDC_ISSUER", "").rstrip("/"),
            oidc_client_id=os.environ.get("OMICS_OIDC_CLIENT_ID", ""),
            oidc_client_secret=os.environ.get("OMICS_OIDC_CLIENT_SECRET", ""),
            oidc_scope=os.environ.get("OMICS_OIDC_SCOPE") or default.oidc_scope,
            oidc_name=os.environ.get("OMICS_OIDC_NAME") or default.oidc_name,
            oidc_default_role=os.environ.get("OMICS_OIDC_DEFAULT_ROLE") or default.oidc_default_role,
        )


@dataclass
class ServiceSettings:
    """Lifetimes and bounds of the search service (web, worker, events; see ``tasks/``).

    ``search_ttl`` bounds how long a search, its result pages and its event stream stay
    replayable; ``max_body_bytes`` is the request size above which the API answers 413.
    ``search_time_limit`` is the hard limit of one run of a search task (the soft limit is two
    thirds of it); a run whose worker died is handed out again ``worker_lost_margin`` seconds
    after that limit (see ``celeryconfig.time_limits``).
    """

    search_ttl: int = 86400
    max_body_bytes: int = 64 * 1024
    worker_concurrency: int = 4
    ws_ping_interval: int = 25
    search_time_limit: int = 90
    worker_lost_margin: int = 20

    @classmethod
    def from_env(cls) -> ServiceSettings:
        return _int_fields_from_env(cls, "OMICS_")


@dataclass
class LoadSettings:
    """What one search, one caller and one web process may cost the service (``OMICS_*``).

    A query's complexity (``max_query_*``) is checked on what the parser understood, before
    anything runs (422 over a bound); ``search_budget_seconds`` is the time the engine allows a
    search, checked between its stages. A caller (a user through any of their credentials, else
    an address) holds at most ``max_searches_in_flight`` unfinished searches (429 beyond), and
    once ``max_queue_backlog`` messages wait in the search queue new searches get 503 with
    ``Retry-After`` instead of being accepted late. ``compact_results`` (0/1) stores results
    packed (format 3, which the previous release cannot read: off for one release).
    ``web_connections`` is a gevent web process's connection cap (gunicorn's
    ``worker_connections``); progress sockets are refused ``web_headroom`` below it, so health
    checks and API calls always find a free connection.
    """

    max_query_terms: int = 32
    max_query_phrases: int = 8
    max_query_exclusions: int = 8
    max_query_examples: int = 50
    search_budget_seconds: int = 10
    max_searches_in_flight: int = 4
    max_queue_backlog: int = 500
    compact_results: int = 0
    web_connections: int = 4000
    web_headroom: int = 200

    @classmethod
    def from_env(cls) -> LoadSettings:
        return _int_fields_from_env(cls, "OMICS_")


@dataclass
class DiscoverySettings:
    """Service discovery (see ``omics/services``): how often each instance refreshes its record,
    and after how long without a refresh it counts as gone (``OMICS_SERVICE_*``)."""

    heartbeat_seconds: int = 5
    ttl_seconds: int = 15

    @classmethod
    def from_env(cls) -> DiscoverySettings:
        return _int_fields_from_env(cls, "OMICS_SERVICE_")


def redis_url_from_env() -> str | None:
    """``REDIS_URL``; or, when ``OMICS_REDIS_SENTINELS`` names Sentinels, the Sentinel URL every
    Redis client of the process understands (see ``omics.connections.redis``):
    ``redis+sentinel://[:password@]host:port,host:port/<master>/<db>``, the master from
    ``OMICS_REDIS_SENTINEL_MASTER`` (default ``mymaster``), password and database number from
    ``REDIS_URL`` when it is set too."""
    plain = os.environ.get("REDIS_URL") or None
    sentinels = os.environ.get("OMICS_REDIS_SENTINELS", "").replace(" ", "")
    if not sentinels:
        return plain
    parts = urlsplit(plain or "redis://")
    auth = f":{parts.password}@" if parts.password else ""
    database = parts.path.strip("/") or "0"
    master = os.environ.get("OMICS_REDIS_SENTINEL_MASTER") or "mymaster"
    return f"redis+sentinel://{auth}{sentinels}/{master}/{database}"


@dataclass
class IngestSettings:
    """NCBI E-utilities access and the ingestion saga's bounds (see ``omics/ingest``).

    NCBI allows 3 requests/s per address, 10/s with an API key; the limit is shared by every
    process through Redis. ``schedule`` (``HH:MM`` UTC, empty: off) runs a daily incremental
    ingest; ``saga_timeout`` is how long a step may stay silent before the sweeper steps in.
    """

    base_url: str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    api_key: str = ""
    email: str = ""
    tool: str = "omicsoracle"
    schedule: str = ""
    batch_size: int = 500
    request_timeout: float = 30.0
    saga_timeout: int = 900
    max_step_attempts: int = 3

    @property
    def requests_per_second(self) -> int:
        return 10 if self.api_key else 3

    @classmethod
    def from_env(cls) -> IngestSettings:
        default = cls()
        return cls(
            base_url=(os.environ.get("OMICS_NCBI_BASE_URL") or default.base_url).rstrip("/"),
            api_key=os.environ.get("NCBI_API_KEY", ""),
            email=os.environ.get("OMICS_NCBI_EMAIL", ""),
            schedule=os.environ.get("OMICS_INGEST_SCHEDULE", ""),
            batch_size=_env_int("OMICS_INGEST_BATCH_SIZE", default.batch_size),
            saga_timeout=_env_int("OMICS_SAGA_TIMEOUT", default.saga_timeout),
            max_step_attempts=_env_int("OMICS_SAGA_MAX_ATTEMPTS", default.max_step_attempts),
        )


@dataclass
class ApiSettings:
    """v1's retirement (see ``omics/api``): dates announced in headers, and whether to enforce.

    After ``v1_sunset`` v1 keeps answering unless ``v1_sunset_enforce`` is on; then it answers
    410 with the same links, so an operator switches it off only once the counters say so.
    """

    v1_deprecated: date = date(2026, 1, 1)
    v1_sunset: date = date(2027, 1, 1)
    v1_sunset_enforce: bool = False

    @classmethod
    def from_env(cls) -> ApiSettings:
        default = cls()
        sunset = os.environ.get("OMICS_V1_SUNSET")
        return cls(
            v1_deprecated=default.v1_deprecated,
            v1_sunset=date.fromisoformat(sunset) if sunset else default.v1_sunset,
            v1_sunset_enforce=os.environ.get("OMICS_V1_SUNSET_ENFORCE", "").lower()
            in ("1", "true", "yes", "on"),
        )


@dataclass
class Settings:
    """Process settings. Build with :meth:`from_env`; tests override fields directly."""

    data_dir: Path
    corpus_path: Path = SHIPPED_CORPUS
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 5000
    secret_key: str = ""
    cache: CacheSettings = field(default_factory=CacheSettings.from_env)
    security: SecuritySettings = field(default_factory=SecuritySettings.from_env)
    service: ServiceSettings = field(default_factory=ServiceSettings.from_env)
    discovery: DiscoverySettings = field(default_factory=DiscoverySettings.from_env)
    load: LoadSettings = field(default_factory=LoadSettings.from_env)
    # Where clients open event sockets when a separate realtime role serves them (e.g.
    # ``wss://events.example.org``); empty: the same origin as the API.
    events_public_url: str = field(default_factory=lambda: os.environ.get("OMICS_EVENTS_PUBLIC_URL", ""))
    oauth: OAuthSettings = field(default_factory=OAuthSettings.from_env)
    ingest: IngestSettings = field(default_factory=IngestSettings.from_env)
    api: ApiSettings = field(default_factory=ApiSettings.from_env)
    # The search core's index layer: "bm25s" (per-process, the default) or "tantivy" (one
    # memory-mapped index per data directory shared by every process; omics.search.shared_index).
    index_backend: str = field(default_factory=lambda: os.environ.get("OMICS_INDEX_BACKEND", "bm25s"))

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("OMICS_DATA_DIR", "omics-data")).resolve()
        return cls(
            data_dir=data_dir,
            corpus_path=Path(os.environ.get("OMICS_CORPUS", str(SHIPPED_CORPUS))),
            redis_url=redis_url_from_env(),
            host=os.environ.get("OMICS_HOST", "127.0.0.1"),
            port=_env_int("PORT", 5000),
            secret_key=os.environ.get("OMICS_SECRET_KEY") or persistent_secret(data_dir, "secret_key"),
        )
