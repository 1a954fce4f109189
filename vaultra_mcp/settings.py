"""Runtime configuration: one object, built at the entry point and passed down.

Names from the original specification (``DATABASE_URL``, ``STRIPE_SECRET_KEY``, ...) are read as
they are; everything Vaultra adds is prefixed ``VAULTRA_``. Every value has a development default
so ``make run`` works with no keys and no network; production refuses to start without the secrets.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vaultra_mcp.core.redaction import parse_kinds
from vaultra_mcp.errors import ConfigurationError
from vaultra_mcp.paths import DATA_DIR_ENV, data_home, packaged_corpus, web_build

Environment = Literal["development", "test", "production"]

DEV_SECRET = "vaultra-development-only-secret-change-me"
DEV_FERNET_KEY = "dmF1bHRyYS1kZXZlbG9wbWVudC1mZXJuZXQta2V5ISE="


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Everything the process needs to know about its surroundings."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        frozen=True,
    )

    env: Environment = Field("development", validation_alias=_alias("VAULTRA_ENV", "env"))
    # Where the database and the knowledge index live unless set: see ``paths.data_home``.
    data_dir: str = Field(
        default_factory=lambda: str(data_home().path),
        validation_alias=_alias(DATA_DIR_ENV, "data_dir"),
    )
    database_url: str = Field(
        default_factory=lambda data: f"sqlite+aiosqlite:///{Path(data['data_dir']) / 'vaultra.db'}",
        validation_alias=_alias("DATABASE_URL", "database_url"),
    )
    log_level: str = Field("INFO", validation_alias=_alias("VAULTRA_LOG_LEVEL", "log_level"))
    log_format: Literal["text", "json"] = Field(
        "text", validation_alias=_alias("VAULTRA_LOG_FORMAT", "log_format")
    )

    # Secrets. The defaults are development-only and rejected in production.
    jwt_secret: SecretStr = Field(
        SecretStr(DEV_SECRET), validation_alias=_alias("JWT_SECRET", "jwt_secret")
    )
    hash_key: SecretStr = Field(
        SecretStr(DEV_SECRET), validation_alias=_alias("VAULTRA_HASH_KEY", "hash_key")
    )
    encryption_key: SecretStr = Field(
        SecretStr(DEV_FERNET_KEY),
        validation_alias=_alias("VAULTRA_ENCRYPTION_KEY", "encryption_key"),
    )
    jwt_issuer: str = Field("vaultra", validation_alias=_alias("VAULTRA_JWT_ISSUER", "jwt_issuer"))
    jwt_audience: str = Field(
        "vaultra-api", validation_alias=_alias("VAULTRA_JWT_AUDIENCE", "jwt_audience")
    )
    jwt_ttl_minutes: int = Field(
        60, ge=1, le=60 * 24, validation_alias=_alias("VAULTRA_JWT_TTL_MINUTES", "jwt_ttl_minutes")
    )
    stripe_secret_key: SecretStr | None = Field(
        None, validation_alias=_alias("STRIPE_SECRET_KEY", "stripe_secret_key")
    )
    stripe_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_alias("STRIPE_WEBHOOK_SECRET", "stripe_webhook_secret")
    )
    stripe_connect_client_id: str | None = Field(
        None, validation_alias=_alias("STRIPE_CONNECT_CLIENT_ID", "stripe_connect_client_id")
    )
    stripe_api_base: str = Field(
        "https://api.stripe.com", validation_alias=_alias("STRIPE_API_BASE", "stripe_api_base")
    )
    stripe_connect_base: str = Field(
        "https://connect.stripe.com",
        validation_alias=_alias("STRIPE_CONNECT_BASE", "stripe_connect_base"),
    )
    stripe_livemode: bool = Field(
        False, validation_alias=_alias("VAULTRA_STRIPE_LIVEMODE", "stripe_livemode")
    )
    stripe_fake: bool = Field(False, validation_alias=_alias("VAULTRA_STRIPE_FAKE", "stripe_fake"))
    stripe_backfill_months: int = Field(
        24,
        ge=1,
        le=120,
        validation_alias=_alias("VAULTRA_STRIPE_BACKFILL_MONTHS", "stripe_backfill_months"),
    )
    stripe_max_retries: int = Field(
        6, ge=0, le=50, validation_alias=_alias("VAULTRA_STRIPE_MAX_RETRIES", "stripe_max_retries")
    )
    stripe_retry_budget_seconds: float = Field(
        300.0,
        ge=0,
        le=3_600,
        validation_alias=_alias("VAULTRA_STRIPE_RETRY_BUDGET", "stripe_retry_budget_seconds"),
    )
    stripe_backoff_base_seconds: float = Field(
        0.5,
        gt=0,
        le=60,
        validation_alias=_alias("VAULTRA_STRIPE_BACKOFF_BASE", "stripe_backoff_base_seconds"),
    )
    stripe_backoff_max_seconds: float = Field(
        30.0,
        gt=0,
        le=600,
        validation_alias=_alias("VAULTRA_STRIPE_BACKOFF_MAX", "stripe_backoff_max_seconds"),
    )
    google_client_id: str | None = Field(
        None, validation_alias=_alias("GOOGLE_CLIENT_ID", "google_client_id")
    )
    google_client_secret: SecretStr | None = Field(
        None, validation_alias=_alias("GOOGLE_CLIENT_SECRET", "google_client_secret")
    )
    google_discovery_url: str = Field(
        "https://accounts.google.com/.well-known/openid-configuration",
        validation_alias=_alias("GOOGLE_DISCOVERY_URL", "google_discovery_url"),
    )
    pinecone_api_key: SecretStr | None = Field(
        None, validation_alias=_alias("PINECONE_API_KEY", "pinecone_api_key")
    )
    pinecone_index: str = Field(
        "vaultra-knowledge", validation_alias=_alias("PINECONE_INDEX", "pinecone_index")
    )
    pinecone_host: str | None = Field(
        None, validation_alias=_alias("PINECONE_HOST", "pinecone_host")
    )
    pinecone_namespace: str | None = Field(
        None, validation_alias=_alias("VAULTRA_PINECONE_NAMESPACE", "pinecone_namespace")
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=_alias("OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str = Field(
        "https://api.openai.com/v1", validation_alias=_alias("OPENAI_BASE_URL", "openai_base_url")
    )
    openai_embedding_model: str = Field(
        "text-embedding-3-small",
        validation_alias=_alias("VAULTRA_OPENAI_EMBEDDING_MODEL", "openai_embedding_model"),
    )
    ollama_host: str = Field(
        "http://127.0.0.1:11434", validation_alias=_alias("OLLAMA_HOST", "ollama_host")
    )
    ollama_embedding_model: str = Field(
        "nomic-embed-text",
        validation_alias=_alias("VAULTRA_OLLAMA_EMBEDDING_MODEL", "ollama_embedding_model"),
    )
    # Outside services get an explicit time limit and retry budget (not a library default).
    provider_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=300,
        validation_alias=_alias("VAULTRA_PROVIDER_TIMEOUT", "provider_timeout_seconds"),
    )
    provider_max_retries: int = Field(
        2, ge=0, le=10, validation_alias=_alias("VAULTRA_PROVIDER_RETRIES", "provider_max_retries")
    )
    llm_provider: Literal["offline", "openai", "ollama"] = Field(
        "offline", validation_alias=_alias("LLM_PROVIDER", "llm_provider")
    )
    openai_model: str = Field(
        "gpt-4o-mini", validation_alias=_alias("OPENAI_MODEL", "openai_model")
    )
    ollama_model: str = Field("llama3.1", validation_alias=_alias("OLLAMA_MODEL", "ollama_model"))
    # The chat agent: how far one turn may go, and what it may cost.
    agent_max_steps: int = Field(
        6, ge=1, le=20, validation_alias=_alias("VAULTRA_AGENT_MAX_STEPS", "agent_max_steps")
    )
    agent_context_tokens: int = Field(
        8_000,
        ge=1_000,
        le=200_000,
        validation_alias=_alias("VAULTRA_AGENT_CONTEXT_TOKENS", "agent_context_tokens"),
    )
    agent_daily_token_budget: int | None = Field(
        200_000,
        ge=1,
        validation_alias=_alias("VAULTRA_AGENT_DAILY_TOKENS", "agent_daily_token_budget"),
    )
    # Estimated cost, USD per million tokens (input, output) for the configured chat model.
    llm_input_usd_per_mtok: float = Field(
        0.15, ge=0, validation_alias=_alias("VAULTRA_LLM_INPUT_PRICE", "llm_input_usd_per_mtok")
    )
    llm_output_usd_per_mtok: float = Field(
        0.60, ge=0, validation_alias=_alias("VAULTRA_LLM_OUTPUT_PRICE", "llm_output_usd_per_mtok")
    )
    redact_pii: str = Field(
        "email,phone,card,ssn,ein,bank_account",
        validation_alias=_alias("VAULTRA_REDACT_PII", "redact_pii"),
    )
    embeddings_provider: Literal["none", "openai", "ollama", "local"] = Field(
        "none", validation_alias=_alias("EMBEDDINGS_PROVIDER", "embeddings_provider")
    )
    vector_store: Literal["local", "pinecone"] = Field(
        "local", validation_alias=_alias("VECTOR_STORE", "vector_store")
    )

    # MCP: the stdio caller, and how big a tool result may get.
    token: SecretStr | None = Field(None, validation_alias=_alias("VAULTRA_TOKEN", "token"))
    business_id: int | None = Field(
        None, ge=1, validation_alias=_alias("VAULTRA_BUSINESS_ID", "business_id")
    )
    tool_token_budget: int = Field(
        1_000,
        ge=200,
        le=20_000,
        validation_alias=_alias("VAULTRA_TOOL_TOKEN_BUDGET", "tool_token_budget"),
    )
    tool_content: Literal["full", "summary"] = Field(
        "full", validation_alias=_alias("VAULTRA_TOOL_CONTENT", "tool_content")
    )
    allowed_hosts: str = Field(
        "", validation_alias=_alias("VAULTRA_ALLOWED_HOSTS", "allowed_hosts")
    )
    allowed_origins: str = Field(
        "", validation_alias=_alias("VAULTRA_ALLOWED_ORIGINS", "allowed_origins")
    )
    knowledge_dir: str = Field(
        default_factory=lambda: str(packaged_corpus()),
        validation_alias=_alias("VAULTRA_KNOWLEDGE_DIR", "knowledge_dir"),
    )
    knowledge_index: str = Field(
        default_factory=lambda data: str(Path(data["data_dir"]) / "knowledge.sqlite"),
        validation_alias=_alias("VAULTRA_KNOWLEDGE_INDEX", "knowledge_index"),
    )

    # The HTTP API: where browsers reach it (OAuth redirects come back here), CORS, limits.
    public_url: str = Field(
        "http://127.0.0.1:8000", validation_alias=_alias("VAULTRA_PUBLIC_URL", "public_url")
    )
    cors_origins: str = Field("", validation_alias=_alias("VAULTRA_CORS_ORIGINS", "cors_origins"))
    # Proxies whose X-Forwarded-For / -Proto we believe (addresses, CIDR networks, or "*").
    # Empty: none, so the client address is the connecting peer, loopback included.
    trusted_proxies: str = Field(
        "", validation_alias=_alias("VAULTRA_TRUSTED_PROXIES", "trusted_proxies")
    )
    max_body_bytes: int = Field(
        1_048_576,
        ge=1_024,
        le=50 * 1_048_576,
        validation_alias=_alias("VAULTRA_MAX_BODY_BYTES", "max_body_bytes"),
    )
    # Browser sessions (the web app): an HttpOnly cookie, ended by sign-out, by this long without
    # a request, or by the absolute lifetime, whichever comes first.
    session_ttl_minutes: int = Field(
        480,
        ge=5,
        le=60 * 24 * 7,
        validation_alias=_alias("VAULTRA_SESSION_TTL_MINUTES", "session_ttl_minutes"),
    )
    session_idle_minutes: int = Field(
        60,
        ge=1,
        le=60 * 24,
        validation_alias=_alias("VAULTRA_SESSION_IDLE_MINUTES", "session_idle_minutes"),
    )
    # The web app's static build, served at ``/``: ``web/dist`` in a checkout; empty: none.
    web_dir: str = Field(
        default_factory=lambda: str(web_build() or ""),
        validation_alias=_alias("VAULTRA_WEB_DIR", "web_dir"),
    )
    # Sign-in throttling (services/login_throttle.py): free failures per (account, address)
    # and per address inside the window, then waits from the backoff base, doubling.
    login_failures_per_account_address: int = Field(
        5,
        ge=1,
        validation_alias=_alias(
            "VAULTRA_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS", "login_failures_per_account_address"
        ),
    )
    login_failures_per_ip: int = Field(
        20, ge=1, validation_alias=_alias("VAULTRA_LOGIN_FAILURES_PER_IP", "login_failures_per_ip")
    )
    login_failure_window_seconds: int = Field(
        900,
        ge=1,
        validation_alias=_alias("VAULTRA_LOGIN_FAILURE_WINDOW", "login_failure_window_seconds"),
    )
    login_backoff_seconds: float = Field(
        1.0, gt=0, le=600, validation_alias=_alias("VAULTRA_LOGIN_BACKOFF", "login_backoff_seconds")
    )

    # Jobs: how long a scheduled run may be late and still run (seconds).
    job_misfire_grace_seconds: int = Field(
        300, ge=1, validation_alias=_alias("VAULTRA_JOB_MISFIRE_GRACE", "job_misfire_grace_seconds")
    )
    recompute_batch_size: int = Field(
        200,
        ge=1,
        le=10_000,
        validation_alias=_alias("VAULTRA_RECOMPUTE_BATCH", "recompute_batch_size"),
    )
    # --- added by wave2-limits ---
    # Per-caller limits (services/rate_limits.py), counted in the database in fixed windows of
    # ``rate_limit_window_seconds``: chat turns per user and per business, MCP tool calls per user.
    rate_limit_window_seconds: int = Field(
        60,
        ge=1,
        le=86_400,
        validation_alias=_alias("VAULTRA_RATE_LIMIT_WINDOW", "rate_limit_window_seconds"),
    )
    chat_turns_per_user: int = Field(
        20, ge=1, validation_alias=_alias("VAULTRA_CHAT_TURNS_PER_USER", "chat_turns_per_user")
    )
    chat_turns_per_business: int = Field(
        60,
        ge=1,
        validation_alias=_alias("VAULTRA_CHAT_TURNS_PER_BUSINESS", "chat_turns_per_business"),
    )
    tool_calls_per_user: int = Field(
        120, ge=1, validation_alias=_alias("VAULTRA_TOOL_CALLS_PER_USER", "tool_calls_per_user")
    )

    @field_validator("redact_pii")
    @classmethod
    def known_pii_kinds(cls, value: str) -> str:
        parse_kinds(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def proxy_addresses(cls, value: str) -> str:
        """Each entry an IP address or network: a typo must not silently trust nobody (or,
        worse, be read as some other host)."""
        for entry in cls.split(value):
            if entry == "*":
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address, a network or *") from None
        return value

    @staticmethod
    def split(value: str) -> list[str]:
        """A comma-separated setting as a list (empty items dropped)."""
        return [item.strip() for item in value.split(",") if item.strip()]

    def missing_production_secrets(self) -> list[str]:
        """Names of the secrets production needs but this configuration does not really have."""
        if self.env != "production":
            return []
        uses_openai = "openai" in (self.llm_provider, self.embeddings_provider)
        required: list[tuple[str, bool]] = [
            ("JWT_SECRET", _is_default(self.jwt_secret, DEV_SECRET)),
            ("JWT_SECRET (at least 32 bytes)", len(self.jwt_secret.get_secret_value()) < 32),
            ("VAULTRA_HASH_KEY", _is_default(self.hash_key, DEV_SECRET)),
            ("VAULTRA_ENCRYPTION_KEY", _is_default(self.encryption_key, DEV_FERNET_KEY)),
            ("STRIPE_SECRET_KEY", _is_default(self.stripe_secret_key)),
            ("STRIPE_WEBHOOK_SECRET", _is_default(self.stripe_webhook_secret)),
            ("STRIPE_CONNECT_CLIENT_ID", not self.stripe_connect_client_id),
            ("DATABASE_URL (PostgreSQL)", self.database_url.startswith("sqlite")),
            ("OPENAI_API_KEY", uses_openai and _is_default(self.openai_api_key)),
            (
                "PINECONE_API_KEY",
                self.vector_store == "pinecone" and _is_default(self.pinecone_api_key),
            ),
            (
                "GOOGLE_CLIENT_SECRET",
                bool(self.google_client_id) and _is_default(self.google_client_secret),
            ),
            (
                "VAULTRA_STRIPE_FAKE unset (the fake Stripe API is for development)",
                self.stripe_fake,
            ),
        ]
        return [name for name, missing in required if missing]


def _is_default(secret: SecretStr | None, development_value: str = "") -> bool:
    return secret is None or secret.get_secret_value() in ("", development_value)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, checked: one clear line for anything wrong."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "settings"
        raise ConfigurationError(f"invalid setting {where}: {error['msg']}") from None
    missing = settings.missing_production_secrets()
    if missing:
        raise ConfigurationError(
            f"VAULTRA_ENV=production needs real values for: {', '.join(missing)}"
        )
    return settings
