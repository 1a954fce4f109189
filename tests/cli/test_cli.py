"""The command line: bad input is one line on stderr, exit code 2, and nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CLEAN_ENV = {
    k: v for k, v in os.environ.items() if not k.startswith(("VAULTRA_", "DATABASE_URL", "JWT_"))
}


def vaultra(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The CLI in ``cwd``, keeping its files there too (never in the checkout's data dir)."""
    return subprocess.run(
        [sys.executable, "-m", "vaultra_mcp.cli", *args],
        cwd=cwd,
        env={**CLEAN_ENV, "VAULTRA_DATA_DIR": str(cwd), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "mysql://root@localhost/db",
        "postgresql+asyncpg://localhost",
        "sqlite+aiosqlite://",
    ],
)
def test_a_malformed_database_url_is_one_line_and_exit_2(tmp_path, url):
    error = one_line_error(vaultra("demo", cwd=tmp_path, DATABASE_URL=url))
    assert "DATABASE_URL" in error
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_job_is_rejected_before_the_database_is_touched(tmp_path):
    db = tmp_path / "v.db"
    error = one_line_error(
        vaultra(
            "jobs",
            "run",
            "compute_everything",
            cwd=tmp_path,
            DATABASE_URL=f"sqlite+aiosqlite:///{db}",
        )
    )
    assert "unknown job 'compute_everything'" in error
    assert not db.exists()


@pytest.mark.parametrize("count", ["-1", "0", "100001"])
def test_an_out_of_range_business_count_writes_nothing(tmp_path, count):
    db = tmp_path / "v.db"
    error = one_line_error(
        vaultra(
            "demo", "--businesses", count, cwd=tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{db}"
        )
    )
    assert "--businesses must be between 1 and 100,000" in error
    assert not db.exists()


def test_a_non_numeric_option_is_a_one_line_usage_error(tmp_path):
    error = one_line_error(vaultra("demo", "--businesses", "many", cwd=tmp_path))
    assert "'many' is not a valid integer" in error


def test_an_unreachable_postgresql_is_one_line_and_exit_2(tmp_path):
    error = one_line_error(
        vaultra(
            "db",
            "upgrade",
            cwd=tmp_path,
            DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:9/nowhere",
        )
    )
    assert "cannot reach PostgreSQL 127.0.0.1:9/nowhere" in error


def test_production_refuses_to_start_without_real_secrets(tmp_path):
    error = one_line_error(vaultra("db", "upgrade", cwd=tmp_path, VAULTRA_ENV="production"))
    for name in (
        "JWT_SECRET",
        "VAULTRA_HASH_KEY",
        "VAULTRA_ENCRYPTION_KEY",
        "STRIPE_SECRET_KEY",
        "DATABASE_URL",
    ):
        assert name in error
    assert list(tmp_path.iterdir()) == []


def test_an_invalid_setting_is_named(tmp_path):
    error = one_line_error(vaultra("db", "upgrade", cwd=tmp_path, LLM_PROVIDER="gpt"))
    assert "invalid setting LLM_PROVIDER" in error


def test_demo_json_lists_users_tokens_and_businesses(tmp_path, database_url):
    result = vaultra("demo", "--json", "--businesses", "3", cwd=tmp_path, DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [b["profile"] for b in report["businesses"]] == [
        "steady_saas",
        "seasonal_retailer",
        "chargeback_shop",
    ]
    assert report["users"][0]["email"] == "maya@northwind.example"
    assert report["users"][0]["business_ids"] == [1, 2]
    assert set(report["users"][0]) == {"email", "token", "password", "business_ids"}
    again = vaultra("jobs", "run", "compute_metrics", cwd=tmp_path, DATABASE_URL=database_url)
    assert again.returncode == 0 and "0 businesses" in again.stdout


def test_rebuild_rollups_says_what_it_checked_and_repairs_nothing_when_they_agree(
    tmp_path, demo_database_url
):
    result = vaultra("jobs", "rebuild-rollups", cwd=tmp_path, DATABASE_URL=demo_database_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("rebuild-rollups: 6 businesses, ")
    assert result.stdout.strip().endswith("; 0 rows repaired")


def test_token_create_prints_a_usable_token(tmp_path, demo_database_url):
    result = vaultra(
        "token",
        "create",
        "--email",
        "tom@oldmill.example",
        cwd=tmp_path,
        DATABASE_URL=demo_database_url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("vtk_")
    missing = vaultra(
        "token",
        "create",
        "--email",
        "nobody@x.example",
        cwd=tmp_path,
        DATABASE_URL=demo_database_url,
    )
    assert "No user with email nobody@x.example" in one_line_error(missing)
