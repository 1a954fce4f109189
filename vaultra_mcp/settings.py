"""Runtime configuration: one object, built at the entry point and passed down.

Settings are grouped by concern (``settings.stripe.secret_key``, ``settings.llm.provider``); each
group reads its variables under its own prefix, and a variable named by the original
specification (``DATABASE_URL``, ``STRIPE_SECRET_KEY``, ...) is read by that name instead. Only
the process environment is read, never a ``.env`` file: a client that starts the server in a
directory of its own choosing gets the same configuration as everyone else. Every value has a
development default so ``make run`` works with no keys and no network; production refuses to
start without the secrets. Each field's description is its documentation: the README's
configuration table is generated from it (``scripts/settings_table.py``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from vaultra_mcp.core.redaction import parse_kinds
from vaultra_mcp.errors import ConfigurationError
from vaultra_mcp.paths import data_home, packaged_corpus, web_build

Environment = Literal["development", "test", "production"]

DEV_SECRET = "vaultra-development-only-secret-change-me"
DEV_FERNET_KEY = "dmF1bHRyYS1kZXZlbG9wbWVudC1mZXJuZXQta2V5ISE="


def shown(default: str) -> dict[str, Any]:
    """How the README shows a default that is computed or secret."""
    return {"shown": default}


def split(value: str) -> list[str]:
    """A comma-separated setting as a list (empty items dropped)."""
    return [item.strip() for item in value.split(",") if item.strip()]


class Group(BaseSettings):
    """One concern's settings, read from the environment under the group's prefix."""

    model_config = SettingsConfigDict(
        env_prefix="VAULTRA_", extra="ignore", populate_by_name=True, frozen=True
    )


class DatabaseSettings(Group):
    """The database."""

    url: str = Field(
        default_factory=lambda: f"sqlite+aiosqlite:///{data_home().path / 'vaultra.db'}",
        validation_alias="DATABASE_URL",
        description="or `postgresql+asyncpg://user:pass@host/db`; `postgresql://` is accepted",
        json_schema_extra=shown("`vaultra.db` in the data directory"),
    )
    # Without it a database that stops answering without closing the connection (a partition,
    # a hung host) holds every request on it forever.
    db_command_timeout: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="PostgreSQL: seconds a statement (or a connection attempt, at most 10) may "
        "go unanswered before the request fails as store unavailable (503); raise it for a long "
        "migration",
    )


class AuthSettings(Group):
    """Accounts, sign-in, sessions and the keys that protect stored data."""

    jwt_secret: SecretStr = Field(
        SecretStr(DEV_SECRET),
        validation_alias="JWT_SECRET",
        description="signs JWTs; required in production (at least 32 bytes)",
        json_schema_extra=shown("development value"),
    )
    hash_key: SecretStr = Field(
        SecretStr(DEV_SECRET),
        description="keys the customer hash; required in production",
        json_schema_extra=shown("development value"),
    )
    encryption_key: SecretStr = Field(
        SecretStr(DEV_FERNET_KEY),
        description="Fernet key for Stripe tokens at rest; required in production",
        json_schema_extra=shown("development value"),
    )
    jwt_issuer: str = Field("vaultra", description="JWTs are HS256 with `iss`/`aud`/`exp`/`iat`")
    jwt_audience: str = Field("vaultra-api", description="the `aud` JWTs must carry")
    jwt_ttl_minutes: int = Field(60, ge=1, le=60 * 24, description="a JWT's lifetime")
    session_ttl_minutes: int = Field(
        480, ge=5, le=60 * 24 * 7, description="a web session's absolute lifetime"
    )
    session_idle_minutes: int = Field(
        60, ge=1, le=60 * 24, description="a web session ends after this long without a request"
    )
    login_failures_per_account_address: int = Field(
        5, ge=1, description="free sign-in failures per (account, client address) in the window"
    )
    login_failures_per_ip: int = Field(
        20, ge=1, description="free sign-in failures per client address in the window"
    )
    login_failure_window: int = Field(
        900, ge=1, description="seconds over which sign-in failures are counted"
    )
    login_backoff: float = Field(
        1.0, gt=0, le=600, description="seconds of the first wait after the free failures, doubling"
    )
    google_client_id: str | None = Field(
        None,
        validation_alias="GOOGLE_CLIENT_ID",
        description="Google sign-in; without a client id the route answers 503",
    )
    google_client_secret: SecretStr | None = Field(
        None, validation_alias="GOOGLE_CLIENT_SECRET", description="Google sign-in"
    )
    google_discovery_url: str = Field(
        "https://accounts.google.com/.well-known/openid-configuration",
        validation_alias="GOOGLE_DISCOVERY_URL",
        description="Google's OpenID configuration (a fake's in tests)",
        json_schema_extra=shown("Google's"),
    )


class StripeSettings(Group):
    """Stripe Connect, webhooks and sync."""

    model_config = SettingsConfigDict(env_prefix="VAULTRA_STRIPE_")

    secret_key: SecretStr | None = Field(
        None, validation_alias="STRIPE_SECRET_KEY", description="required in production"
    )
    webhook_secret: SecretStr | None = Field(
        None,
        validation_alias="STRIPE_WEBHOOK_SECRET",
        description="required in production; comma-separated to accept an old and a new secret "
        "while rotating; webhooks answer 503 without one",
    )
    connect_client_id: str | None = Field(
        None, validation_alias="STRIPE_CONNECT_CLIENT_ID", description="required in production"
    )
    api_base: str = Field(
        "https://api.stripe.com",
        validation_alias="STRIPE_API_BASE",
        description="points the official client at a fake in tests",
        json_schema_extra=shown("Stripe's"),
    )
    connect_base: str = Field(
        "https://connect.stripe.com",
        validation_alias="STRIPE_CONNECT_BASE",
        description="where Connect's OAuth pages are",
        json_schema_extra=shown("Stripe's"),
    )
    livemode: bool = Field(False, description="webhooks whose `livemode` differs are refused")
    fake: bool = Field(
        False,
        description="`vaultra serve` starts the fake Stripe API and uses it (refused in "
        "production)",
    )
    backfill_months: int = Field(24, ge=1, le=120, description="how far back a backfill reads")
    max_retries: int = Field(6, ge=0, le=50, description="retries per request")
    retry_budget: float = Field(
        300.0, ge=0, le=3_600, description="seconds of backoff per sync run"
    )
    backoff_base: float = Field(0.5, gt=0, le=60, description="backoff seconds: first ceiling")
    backoff_max: float = Field(30.0, gt=0, le=600, description="backoff seconds: largest ceiling")


class LLMSettings(Group):
    """The chat agent's model and what one turn may do and cost."""

    provider: Literal["offline", "openai", "ollama"] = Field(
        "offline",
        validation_alias="LLM_PROVIDER",
        description="`offline`, `openai`, `ollama`: the chat agent's model",
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias="OPENAI_API_KEY",
        description="required in production when an OpenAI provider is chosen",
    )
    openai_base_url: str = Field(
        "https://api.openai.com/v1",
        validation_alias="OPENAI_BASE_URL",
        description="OpenAI's API (a gateway or a fake)",
        json_schema_extra=shown("OpenAI's"),
    )
    openai_model: str = Field(
        "gpt-4o-mini", validation_alias="OPENAI_MODEL", description="the OpenAI chat model"
    )
    ollama_host: str = Field(
        "http://127.0.0.1:11434", validation_alias="OLLAMA_HOST", description="where Ollama listens"
    )
    ollama_model: str = Field(
        "llama3.1", validation_alias="OLLAMA_MODEL", description="the Ollama chat model"
    )
    # Outside services get an explicit time limit and retry budget (not a library default).
    provider_timeout: float = Field(
        10.0, gt=0, le=300, description="seconds per request to OpenAI, Ollama and Pinecone"
    )
    provider_retries: int = Field(
        2, ge=0, le=10, description="retries per request to OpenAI, Ollama and Pinecone"
    )
    agent_max_steps: int = Field(6, ge=1, le=20, description="tool steps per turn")
    agent_context_tokens: int = Field(
        8_000,
        ge=1_000,
        le=200_000,
        description="tokens of history and tool results sent to the model",
    )
    agent_daily_tokens: int | None = Field(
        200_000, ge=1, description="a business's assistant tokens per UTC day; beyond it, 429"
    )
    llm_input_price: float = Field(
        0.15, ge=0, description="USD per million input tokens, for the OpenAI cost estimate"
    )
    llm_output_price: float = Field(
        0.60, ge=0, description="USD per million output tokens, for the OpenAI cost estimate"
    )


class KnowledgeSettings(Group):
    """The knowledge corpus, its index and the optional embeddings."""

    model_config = SettingsConfigDict(env_prefix="VAULTRA_KNOWLEDGE_")

    dir: str = Field(
        default_factory=lambda: str(packaged_corpus()),
        description="the corpus",
        json_schema_extra=shown(
            "the corpus installed with the package (`knowledge/` in a checkout)"
        ),
    )
    index: str = Field(
        default_factory=lambda: str(data_home().path / "knowledge.sqlite"),
        description="the corpus's local index",
        json_schema_extra=shown("`knowledge.sqlite` in the data directory"),
    )
    embeddings_provider: Literal["none", "openai", "ollama", "local"] = Field(
        "none",
        validation_alias="EMBEDDINGS_PROVIDER",
        description="`none`, `openai`, `ollama`, `local` (the `local-embed` extra); with one, "
        "search is hybrid",
    )
    openai_embedding_model: str = Field(
        "text-embedding-3-small",
        validation_alias="VAULTRA_OPENAI_EMBEDDING_MODEL",
        description="a model change re-embeds every chunk",
    )
    ollama_embedding_model: str = Field(
        "nomic-embed-text",
        validation_alias="VAULTRA_OLLAMA_EMBEDDING_MODEL",
        description="a model change re-embeds every chunk",
    )
    vector_store: Literal["local", "pinecone"] = Field(
        "local",
        validation_alias="VECTOR_STORE",
        description="`local` (vectors beside the lexical index), `pinecone`",
    )
    pinecone_api_key: SecretStr | None = Field(
        None,
        validation_alias="PINECONE_API_KEY",
        description="required in production when `VECTOR_STORE=pinecone`",
    )
    pinecone_index: str = Field(
        "vaultra-knowledge",
        validation_alias="PINECONE_INDEX",
        description="created on the first `vaultra knowledge ingest` if missing",
    )
    pinecone_host: str | None = Field(
        None,
        validation_alias="PINECONE_HOST",
        description="the index's data-plane host; skips the control-plane lookup",
    )
    pinecone_namespace: str | None = Field(
        None,
        validation_alias="VAULTRA_PINECONE_NAMESPACE",
        description="one namespace per environment",
        json_schema_extra=shown("`VAULTRA_ENV`"),
    )


class McpSettings(Group):
    """The MCP server: the stdio caller, and what a tool result may hold."""

    token: SecretStr | None = Field(
        None, description="the stdio MCP caller (a personal access token)"
    )
    business_id: int | None = Field(
        None, ge=1, description="local demos only: pin stdio to one business; refused in production"
    )
    tool_token_budget: int = Field(
        1_000, ge=200, le=20_000, description="most `cl100k_base` tokens in one tool result"
    )
    tool_content: Literal["full", "summary"] = Field(
        "full",
        description="`full`: a tool result's text is its summary line plus the whole result as "
        "JSON; `summary`: the line only",
    )
    allowed_hosts: str = Field(
        "",
        description="comma-separated, for the MCP HTTP Host check",
        json_schema_extra=shown("loopback only"),
    )
    allowed_origins: str = Field(
        "",
        description="comma-separated, for the MCP HTTP Origin check",
        json_schema_extra=shown("loopback only"),
    )


class HttpSettings(Group):
    """The HTTP API and the web app."""

    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="where browsers reach the API: OAuth redirect URIs are built from it; "
        "`https://` makes the session cookie `__Host-` and `Secure`",
    )
    cors_origins: str = Field("", description="comma-separated allowed origins")
    # Empty: no proxy is believed, so the client address is the connecting peer, loopback too.
    trusted_proxies: str = Field(
        "",
        description="comma-separated addresses or CIDR networks (or `*`) of reverse proxies "
        "whose `X-Forwarded-For`/`-Proto` are believed; from anyone else, loopback included, "
        "they are ignored",
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1_024, le=50 * 1_048_576, description="larger request bodies get 413"
    )
    web_dir: str = Field(
        default_factory=lambda: str(web_build() or ""),
        description="the web build served at `/`; empty or unbuilt: `/` explains and the API runs",
        json_schema_extra=shown("`web/dist` in a checkout"),
    )

    @field_validator("trusted_proxies")
    @classmethod
    def proxy_addresses(cls, value: str) -> str:
        """Each entry an IP address or network: a typo must not silently trust nobody (or,
        worse, be read as some other host)."""
        for entry in split(value):
            if entry == "*":
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address, a network or *") from None
        return value


class LimitSettings(Group):
    """Per-caller limits on chat turns and MCP tool calls, counted in the database in fixed
    windows so that every replica agrees (``services/rate_limits.py``)."""

    rate_limit_window: int = Field(
        60, ge=1, le=86_400, description="seconds in one counting window"
    )
    chat_turns_per_user: int = Field(20, ge=1, description="chat turns per user in a window")
    chat_turns_per_business: int = Field(
        60, ge=1, description="chat turns per business in a window"
    )
    tool_calls_per_user: int = Field(
        120, ge=1, description="MCP tool calls per user in a window (beyond it, `RATE_LIMITED`)"
    )


class JobSettings(Group):
    """The scheduled jobs."""

    job_misfire_grace: int = Field(
        300, ge=1, description="seconds a scheduled run may be late and still run"
    )
    recompute_batch: int = Field(
        200, ge=1, le=10_000, description="businesses per snapshot-writing transaction"
    )


class Settings(Group):
    """Everything the process needs to know about its surroundings."""

    env: Environment = Field("development", description="`development`, `test` or `production`")
    # Where the database and the knowledge index live unless set: see ``paths.data_home``.
    data_dir: str = Field(
        default_factory=lambda: str(data_home().path),
        description="where the default database and index live (`vaultra doctor` shows it)",
        json_schema_extra=shown("`.vaultra/` in a checkout, else the per-user data directory"),
    )
    log_level: str = Field("INFO", description="`DEBUG`, `INFO`, `WARNING` or `ERROR`")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="`json`: one JSON object per line (`time`, `level`, `logger`, `request_id`, "
        "`message`) for log shippers",
    )
    redact_pii: str = Field(
        "email,phone,card,ssn,ein,bank_account",
        description="what is replaced before text is stored, sent to a model or logged; empty: "
        "nothing",
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    stripe: StripeSettings = Field(default_factory=StripeSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    mcp: McpSettings = Field(default_factory=McpSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)

    @field_validator("redact_pii")
    @classmethod
    def known_pii_kinds(cls, value: str) -> str:
        parse_kinds(value)
        return value

    def changed(self, **changes: Any) -> Settings:
        """A copy with some values changed and checked: a top-level value by name, a group's by
        a mapping (``settings.changed(mcp={"tool_token_budget": 300})``)."""
        values: dict[str, Any] = {}
        for name, change in changes.items():
            current = getattr(self, name)
            if isinstance(current, Group):
                change = type(current).model_validate({**dict(current), **change})
            values[name] = change
        return type(self).model_validate({**dict(self), **values})

    def missing_production_secrets(self) -> list[str]:
        """Names of the secrets production needs but this configuration does not really have."""
        if self.env != "production":
            return []
        auth, stripe, llm, knowledge = self.auth, self.stripe, self.llm, self.knowledge
        uses_openai = "openai" in (llm.provider, knowledge.embeddings_provider)
        required: list[tuple[str, bool]] = [
            ("JWT_SECRET", _is_default(auth.jwt_secret, DEV_SECRET)),
            ("JWT_SECRET (at least 32 bytes)", len(auth.jwt_secret.get_secret_value()) < 32),
            ("VAULTRA_HASH_KEY", _is_default(auth.hash_key, DEV_SECRET)),
            ("VAULTRA_ENCRYPTION_KEY", _is_default(auth.encryption_key, DEV_FERNET_KEY)),
            ("STRIPE_SECRET_KEY", _is_default(stripe.secret_key)),
            ("STRIPE_WEBHOOK_SECRET", _is_default(stripe.webhook_secret)),
            ("STRIPE_CONNECT_CLIENT_ID", not stripe.connect_client_id),
            ("DATABASE_URL (PostgreSQL)", self.database.url.startswith("sqlite")),
            ("OPENAI_API_KEY", uses_openai and _is_default(llm.openai_api_key)),
            (
                "PINECONE_API_KEY",
                knowledge.vector_store == "pinecone" and _is_default(knowledge.pinecone_api_key),
            ),
            (
                "GOOGLE_CLIENT_SECRET",
                bool(auth.google_client_id) and _is_default(auth.google_client_secret),
            ),
            (
                "VAULTRA_STRIPE_FAKE unset (the fake Stripe API is for development)",
                stripe.fake,
            ),
        ]
        return [name for name, missing in required if missing]


def _is_default(secret: SecretStr | None, development_value: str = "") -> bool:
    return secret is None or secret.get_secret_value() in ("", development_value)


@dataclass(frozen=True, slots=True)
class Variable:
    """One environment variable a setting is read from, for the README and the deployment."""

    name: str
    group: type[Group]
    field: str
    info: FieldInfo


def variables() -> Iterator[Variable]:
    """Every environment variable Settings reads, group by group, in declaration order."""
    groups: list[type[Group]] = [Settings, *GROUPS.values()]
    for group in groups:
        prefix = group.model_config.get("env_prefix", "")
        for field, info in group.model_fields.items():
            if _is_group(info):
                continue
            alias = info.validation_alias
            name = alias if isinstance(alias, str) else f"{prefix}{field}".upper()
            yield Variable(name, group, field, info)


def _is_group(info: FieldInfo) -> bool:
    return isinstance(info.annotation, type) and issubclass(info.annotation, Group)


# Each group under the name ``Settings`` gives it (``settings.stripe``).
GROUPS: dict[str, type[Group]] = {
    name: info.annotation  # type: ignore[misc]
    for name, info in Settings.model_fields.items()
    if _is_group(info)
}


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, checked: one clear line for anything wrong."""
    try:
        settings = Settings(**overrides)
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
