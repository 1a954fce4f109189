"""``vaultra mcp install``: one command writes a client's config, keeps the rest, is idempotent."""

from __future__ import annotations

import json
from pathlib import Path

from fastmcp import Client
from fastmcp.client.transports import StdioTransport

from tests.cli.test_cli import CLEAN_ENV, one_line_error, vaultra
from vaultra_mcp.mcp_clients import CLIENTS

OTHER = {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]}


def existing_config(tmp_path: Path) -> Path:
    path = tmp_path / "claude_desktop_config.json"
    path.write_text(json.dumps({"mcpServers": {"files": OTHER}, "theme": "dark"}, indent=4))
    return path


def install(tmp_path: Path, database_url: str, *args: str) -> tuple[int, str, str]:
    result = vaultra("mcp", "install", *args, cwd=tmp_path, DATABASE_URL=database_url)
    return result.returncode, result.stdout, result.stderr


async def test_install_keeps_other_servers_and_changes_nothing_the_second_time(
    tmp_path, demo_database_url
):
    path = existing_config(tmp_path)
    args = ("claude-desktop", "--config-path", str(path), "--email", "devon@voltline.example")

    code, out, err = install(tmp_path, demo_database_url, *args)
    assert code == 0, err
    written = path.read_text()
    config = json.loads(written)
    assert config["mcpServers"]["files"] == OTHER and config["theme"] == "dark"
    entry = config["mcpServers"]["vaultra"]
    assert Path(entry["command"]).is_absolute() and entry["command"].endswith("vaultra-mcp")
    assert entry["env"]["VAULTRA_TOKEN"].startswith("vtk_")
    assert "1 other server(s) kept" in out
    assert json.loads((tmp_path / "claude_desktop_config.json.vaultra-backup").read_text()) == {
        "mcpServers": {"files": OTHER},
        "theme": "dark",
    }

    code, out, err = install(tmp_path, demo_database_url, *args)
    assert code == 0, err
    assert "unchanged" in out and path.read_text() == written


async def test_the_written_entry_starts_a_server_that_answers_from_the_root_directory(
    tmp_path, demo_database_url
):
    path = tmp_path / "mcp.json"
    code, _, err = install(
        tmp_path,
        demo_database_url,
        "cursor",
        "--config-path",
        str(path),
        "--email",
        "devon@voltline.example",
    )
    assert code == 0, err
    entry = json.loads(path.read_text())["mcpServers"]["vaultra"]
    server = StdioTransport(
        entry["command"], entry["args"], env={**CLEAN_ENV, **entry["env"]}, cwd="/"
    )
    async with Client(server) as client:
        tools = await client.list_tools()
        found = await client.call_tool("search_knowledge", {"query": "SBA 7(a) eligibility"})
    assert len(tools) == 9
    assert found.structured_content["passages"] and found.structured_content["documents"]


def test_vscode_and_claude_code_entries_say_their_type(tmp_path, demo_database_url):
    for client, key in (("vscode", "servers"), ("claude-code", "mcpServers")):
        path = tmp_path / f"{client}.json"
        code, _, err = install(
            tmp_path, demo_database_url, client, "--config-path", str(path), "--token", "vtk_given"
        )
        assert code == 0, err
        entry = json.loads(path.read_text())[key]["vaultra"]
        assert entry["type"] == "stdio" and entry["env"]["VAULTRA_TOKEN"] == "vtk_given"


def test_print_shows_the_entry_and_writes_nothing(tmp_path, demo_database_url):
    path = existing_config(tmp_path)
    before = path.read_text()
    code, out, err = install(
        tmp_path, demo_database_url, "claude-desktop", "--config-path", str(path), "--print"
    )
    assert code == 0, err
    assert "Would write" in out and "<a new personal access token>" in out
    assert path.read_text() == before
    assert not (tmp_path / "claude_desktop_config.json.vaultra-backup").exists()


def test_a_config_that_is_not_json_is_left_untouched(tmp_path, demo_database_url):
    path = tmp_path / "claude_desktop_config.json"
    path.write_text('{"mcpServers": {"files": ')
    result = vaultra(
        "mcp",
        "install",
        "claude-desktop",
        "--config-path",
        str(path),
        "--token",
        "vtk_x",
        cwd=tmp_path,
        DATABASE_URL=demo_database_url,
    )
    error = one_line_error(result)
    assert "is not valid JSON" in error and "left untouched" in error
    assert path.read_text() == '{"mcpServers": {"files": '
    assert not (tmp_path / "claude_desktop_config.json.vaultra-backup").exists()


def test_servers_that_are_not_an_object_are_left_untouched(tmp_path, demo_database_url):
    path = tmp_path / "mcp.json"
    path.write_text('{"mcpServers": []}')
    result = vaultra(
        "mcp",
        "install",
        "cursor",
        "--config-path",
        str(path),
        "--token",
        "vtk_x",
        cwd=tmp_path,
        DATABASE_URL=demo_database_url,
    )
    assert "'mcpServers' is not an object" in one_line_error(result)
    assert path.read_text() == '{"mcpServers": []}'


def test_an_unknown_client_lists_the_valid_ones(tmp_path):
    error = one_line_error(vaultra("mcp", "install", "claude-web", cwd=tmp_path))
    for name in CLIENTS:
        assert name in error


def test_without_a_token_or_an_email_it_says_what_to_pass(tmp_path, demo_database_url):
    path = tmp_path / "mcp.json"
    result = vaultra(
        "mcp",
        "install",
        "cursor",
        "--config-path",
        str(path),
        cwd=tmp_path,
        DATABASE_URL=demo_database_url,
    )
    assert "--email" in one_line_error(result)
    assert not path.exists()


def test_an_email_with_no_account_is_refused_and_nothing_written(tmp_path, demo_database_url):
    path = tmp_path / "mcp.json"
    result = vaultra(
        "mcp",
        "install",
        "cursor",
        "--config-path",
        str(path),
        "--email",
        "nobody@example.com",
        cwd=tmp_path,
        DATABASE_URL=demo_database_url,
    )
    assert "nobody@example.com" in one_line_error(result)
    assert not path.exists()
