from pathlib import Path

import pytest

from vaultra_mcp.errors import ConfigurationError
from vaultra_mcp.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_the_seed_names_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("PINECONE_INDEX", "custom-index")
    monkeypatch.setenv("VAULTRA_ENV", "test")
    settings = Settings(_env_file=None)
    assert (settings.database_url, settings.pinecone_index, settings.env) == (
        "postgresql+asyncpg://u@h/db",
        "custom-index",
        "test",
    )


def test_every_setting_has_a_development_default(monkeypatch):
    monkeypatch.delenv("VAULTRA_DATA_DIR", raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url == f"sqlite+aiosqlite:///{ROOT / '.vaultra' / 'vaultra.db'}"
    assert settings.knowledge_index == str(ROOT / ".vaultra" / "knowledge.sqlite")
    assert settings.knowledge_dir == str(ROOT / "knowledge")
    assert (settings.llm_provider, settings.embeddings_provider, settings.vector_store) == (
        "offline",
        "none",
        "local",
    )
    assert settings.missing_production_secrets() == []


def test_production_names_every_missing_secret():
    missing = Settings(_env_file=None, env="production").missing_production_secrets()
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
        _env_file=None,
        env="production",
        database_url="postgresql+asyncpg://u@h/db",
        jwt_secret="j" * 40,
        hash_key="h" * 40,
        encryption_key="Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg=",
        stripe_secret_key="sk_live_x",
        stripe_webhook_secret="whsec_x",
        stripe_connect_client_id="ca_x",
    )
    assert settings.missing_production_secrets() == []


def test_secrets_never_appear_in_the_settings_repr():
    assert "sk_live_secret" not in repr(
        Settings(_env_file=None, stripe_secret_key="sk_live_secret")
    )


def test_settings_are_immutable():
    with pytest.raises(Exception, match="frozen"):
        Settings(_env_file=None).env = "production"  # type: ignore[misc]


def test_an_unknown_pii_kind_stops_start_up_with_one_line():
    with pytest.raises(ConfigurationError, match="redact_pii"):
        load_settings(_env_file=None, redact_pii="email,passport")


def test_the_data_directory_moves_the_database_and_the_index_but_not_the_corpus(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("VAULTRA_DATA_DIR", str(tmp_path))
    settings = Settings(_env_file=None)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'vaultra.db'}"
    assert settings.knowledge_index == str(tmp_path / "knowledge.sqlite")
    assert settings.knowledge_dir == str(ROOT / "knowledge")


def test_defaults_do_not_depend_on_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("VAULTRA_DATA_DIR", raising=False)
    here = Settings(_env_file=None)
    monkeypatch.chdir(tmp_path)
    there = Settings(_env_file=None)
    assert (here.database_url, here.knowledge_dir, here.knowledge_index) == (
        there.database_url,
        there.knowledge_dir,
        there.knowledge_index,
    )
    assert Path(there.knowledge_index).is_absolute() and Path(there.knowledge_dir).is_absolute()


def readme_configuration_names() -> set[str]:
    """The variable names in the first column of the README's Configuration table."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


# Read by a client library itself, not by Settings; the README says so on its row.
READ_BY_LIBRARIES = {"PINECONE_CONTROLLER_HOST"}


def test_the_readme_configuration_table_lists_exactly_what_settings_read():
    from tests.deploy.files import setting_names

    documented = readme_configuration_names() - READ_BY_LIBRARIES
    assert sorted(setting_names() - documented) == [], "read but not in the README table"
    assert sorted(documented - setting_names()) == [], "in the README table but never read"
