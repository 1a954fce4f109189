"""The vaultra-mcp and vaultra run entry points: configuration errors are one line and exit 2."""

import json
import os
import subprocess
import sys
from pathlib import Path

from vaultra_mcp.cli.run import absolute_sqlite, claude_desktop_config

ROOT = Path(__file__).resolve().parents[2]
CLEAN = {
    k: v for k, v in os.environ.items() if not k.startswith(("VAULTRA_", "DATABASE_URL", "JWT_"))
}


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vaultra_mcp.server", *args],
        env={**CLEAN, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_production_without_secrets_refuses_to_start():
    result = run(VAULTRA_ENV="production")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: VAULTRA_ENV=production needs real values for:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_malformed_database_url_stops_the_http_server_at_start():
    result = run("--transport", "http", "--port", "1", DATABASE_URL="mysql://x@y/z")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_claude_desktop_snippet_uses_absolute_paths_and_the_token():
    config = claude_desktop_config("vtk_x", "sqlite+aiosqlite:////srv/v.db", 8765)
    stdio = config["mcpServers"]["vaultra"]
    assert Path(stdio["command"]).is_absolute() and stdio["env"]["VAULTRA_TOKEN"] == "vtk_x"
    http = config["mcpServers"]["vaultra-http"]
    assert http["url"] == "http://127.0.0.1:8765/mcp"
    assert http["headers"] == {"Authorization": "Bearer vtk_x"}
    json.dumps(config)


def test_relative_sqlite_paths_become_absolute():
    assert absolute_sqlite("sqlite+aiosqlite:///./vaultra.db").startswith("sqlite+aiosqlite:////")
    assert absolute_sqlite("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"


def test_the_repository_mcp_json_is_valid():
    config = json.loads((ROOT / "mcp.json").read_text())
    assert set(config["mcpServers"]) == {"vaultra", "vaultra-http"}


def test_both_commands_say_their_version():
    from click.testing import CliRunner

    from vaultra_mcp.cli.app import cli
    from vaultra_mcp.server.__main__ import command

    for program, name in ((cli, "vaultra"), (command, "vaultra-mcp")):
        shown = CliRunner().invoke(program, ["--version"])
        assert shown.exit_code == 0 and shown.output.startswith(f"{name}, version "), shown.output


def test_a_bad_option_is_one_line_and_exit_code_2(capsys):
    import pytest

    from vaultra_mcp.server.__main__ import main

    with pytest.raises(SystemExit) as stopped:
        main(["--transport", "carrier-pigeon"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
