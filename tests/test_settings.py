from pathlib import Path

import pytest
from pydantic import ValidationError

from vaultra_mcp.errors import ConfigurationError
from vaultra_mcp.settings import Settings, load_settings, variables
from vaultra_mcp.settings_table import with_tables

ROOT = Path(__file__).resolve().parents[1]


def test_the_seed_names_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("PINECONE_INDEX", "custom-index")
    monkeypatch.setenv("VAULTRA_ENV", "test")
    settings = Settings()
    assert (settings.database.url, settings.knowledge.pinecone_index, settings.env) == (
        "postgresql+asyncpg://u@h/db",
        "custom-index",
        "test",
    )


def test_every_setting_has_a_development_default(monkeypatch):
    monkeypatch.delenv("VAULTRA_DATA_DIR", raising=False)
    settings = Settings()
    assert settings.database.url == f"sqlite+aiosqlite:///{ROOT / '.vaultra' / 'vaultra.db'}"
    assert settings.knowledge.index == str(ROOT / ".vaultra" / "knowledge.sqlite")
    assert settings.knowledge.dir == str(ROOT / "knowledge")
    assert (
        settings.llm.provider,
        settings.knowledge.embeddings_provider,
        settings.knowledge.vector_store,
    ) == (
        "offline",
        "none",
        "local",
    )
    assert settings.missing_production_secrets() == []


def test_production_names_every_missing_secret():
    missing = Settings(env="production").missing_production_secrets()
    assert missing == [
        "JWT_SECRET",
        "VAULTRA_HASH_KEY",
        "VAULTRA_ENCRYPTION_KEY",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_CONNECT_CLIENT_ID",
        "DATABASE_URL (PostgreSQL)",
    ]


def test_production_with_real_secrets_starts():
    settings = Settings(
        env="production",
        database={"url": "postgresql+asyncpg://u@h/db"},
        auth={
            "jwt_secret": "j" * 40,
            "hash_key": "h" * 40,
            "encryption_key": "Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg=",
        },
        stripe={
            "secret_key": "sk_live_x",
            "webhook_secret": "whsec_x",
            "connect_client_id": "ca_x",
        },
    )
    assert settings.missing_production_secrets() == []


def test_secrets_never_appear_in_the_settings_repr():
    assert "sk_live_secret" not in repr(Settings(stripe={"secret_key": "sk_live_secret"}))


def test_settings_are_immutable():
    with pytest.raises(Exception, match="frozen"):
        Settings().env = "production"  # type: ignore[misc]


def test_an_unknown_pii_kind_stops_start_up_with_one_line():
    with pytest.raises(ConfigurationError, match="redact_pii"):
        load_settings(redact_pii="email,passport")


def test_the_data_directory_moves_the_database_and_the_index_but_not_the_corpus(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("VAULTRA_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.database.url == f"sqlite+aiosqlite:///{tmp_path / 'vaultra.db'}"
    assert settings.knowledge.index == str(tmp_path / "knowledge.sqlite")
    assert settings.knowledge.dir == str(ROOT / "knowledge")


def test_defaults_do_not_depend_on_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("VAULTRA_DATA_DIR", raising=False)
    here = Settings()
    monkeypatch.chdir(tmp_path)
    there = Settings()
    assert (here.database.url, here.knowledge.dir, here.knowledge.index) == (
        there.database.url,
        there.knowledge.dir,
        there.knowledge.index,
    )
    assert Path(there.knowledge.index).is_absolute() and Path(there.knowledge.dir).is_absolute()


def test_the_readme_configuration_tables_are_written_from_the_settings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_tables(readme) == readme, "run scripts/settings_table.py"


def test_every_setting_says_what_it_is_for():
    assert [v.name for v in variables() if not v.info.description] == []


def test_each_group_reads_its_variables_under_its_prefix(monkeypatch):
    monkeypatch.setenv("VAULTRA_STRIPE_BACKFILL_MONTHS", "6")
    monkeypatch.setenv("VAULTRA_KNOWLEDGE_DIR", "/srv/corpus")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    settings = Settings()
    assert settings.stripe.backfill_months == 6 and settings.knowledge.dir == "/srv/corpus"
    assert settings.stripe.secret_key is not None


def test_a_change_keeps_the_rest_of_its_group_and_is_checked():
    base = Settings(http={"public_url": "https://v.example"})
    changed = base.changed(http={"max_body_bytes": 4_096})
    assert (changed.http.public_url, changed.http.max_body_bytes) == ("https://v.example", 4_096)
    with pytest.raises(ValidationError):
        base.changed(http={"max_body_bytes": 1})
