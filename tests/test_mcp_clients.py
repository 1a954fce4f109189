"""Where each MCP client keeps its config, on each OS, and how Vaultra's entry is merged in."""

from pathlib import Path

import pytest

from vaultra_mcp.mcp_clients import CLIENTS, merged

HOME = Path("/home/ana")


@pytest.mark.parametrize(
    ("client", "platform", "env", "expected"),
    [
        (
            "claude-desktop",
            "darwin",
            {},
            "/home/ana/Library/Application Support/Claude/claude_desktop_config.json",
        ),
        (
            "claude-desktop",
            "win32",
            {"APPDATA": "/c/Users/ana/AppData/Roaming"},
            "/c/Users/ana/AppData/Roaming/Claude/claude_desktop_config.json",
        ),
        ("claude-desktop", "linux", {}, "/home/ana/.config/Claude/claude_desktop_config.json"),
        (
            "claude-desktop",
            "linux",
            {"XDG_CONFIG_HOME": "/xdg"},
            "/xdg/Claude/claude_desktop_config.json",
        ),
        ("cursor", "darwin", {}, "/home/ana/.cursor/mcp.json"),
        ("cursor", "win32", {}, "/home/ana/.cursor/mcp.json"),
        ("vscode", "darwin", {}, "/home/ana/Library/Application Support/Code/User/mcp.json"),
        ("vscode", "win32", {"APPDATA": "/c/AppData"}, "/c/AppData/Code/User/mcp.json"),
        ("vscode", "linux", {}, "/home/ana/.config/Code/User/mcp.json"),
        ("claude-code", "linux", {}, "/home/ana/.claude.json"),
    ],
)
def test_each_client_config_lives_where_the_client_reads_it(client, platform, env, expected):
    assert CLIENTS[client].config_path(platform, HOME, env) == Path(expected)


def test_merging_keeps_every_other_key_and_server_in_order():
    config = {"a": 1, "mcpServers": {"x": {"command": "x"}}, "z": [2]}
    entry = CLIENTS["claude-desktop"].entry("/bin/vaultra-mcp", {"VAULTRA_TOKEN": "t"})
    result = merged(config, CLIENTS["claude-desktop"], "vaultra", entry)
    assert list(result) == ["a", "mcpServers", "z"]
    assert result["mcpServers"] == {"x": {"command": "x"}, "vaultra": entry}
    assert config["mcpServers"] == {"x": {"command": "x"}}  # the input is not modified
