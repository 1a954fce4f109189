"""MCP clients' config files: where each client keeps its own, and how to add Vaultra to one.

Each client reads a JSON file at a per-OS location and lists its servers under one key. Adding
Vaultra merges one entry into that file and leaves everything else in it exactly as it was.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vaultra_mcp.errors import ConfigurationError

Platform = str  # sys.platform: "darwin", "win32", "linux", ...


def _app_support(platform: Platform, home: Path, env: Mapping[str, str], *parts: str) -> Path:
    """The per-user application config directory of a desktop app (Claude, Code)."""
    if platform == "darwin":
        return home.joinpath("Library", "Application Support", *parts)
    if platform == "win32":
        return Path(env.get("APPDATA") or home / "AppData" / "Roaming").joinpath(*parts)
    return Path(env.get("XDG_CONFIG_HOME") or home / ".config").joinpath(*parts)


@dataclass(frozen=True, slots=True)
class McpClient:
    name: str
    label: str
    servers_key: str  # where the file lists its servers
    typed: bool  # entries carry "type": "stdio"
    locate: Callable[[Platform, Path, Mapping[str, str]], Path]

    def config_path(
        self, platform: Platform, home: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Path:
        return self.locate(platform, home or Path.home(), os.environ if env is None else env)

    def entry(self, command: str, env: dict[str, str]) -> dict[str, Any]:
        stdio: dict[str, Any] = {"command": command, "args": [], "env": env}
        return {"type": "stdio", **stdio} if self.typed else stdio


CLIENTS: dict[str, McpClient] = {
    c.name: c
    for c in (
        McpClient(
            "claude-desktop",
            "Claude Desktop",
            "mcpServers",
            False,
            lambda p, h, e: _app_support(p, h, e, "Claude") / "claude_desktop_config.json",
        ),
        McpClient(
            "cursor", "Cursor", "mcpServers", False, lambda p, h, e: h / ".cursor" / "mcp.json"
        ),
        McpClient(
            "vscode",
            "VS Code",
            "servers",
            True,
            lambda p, h, e: _app_support(p, h, e, "Code", "User") / "mcp.json",
        ),
        McpClient(
            "claude-code", "Claude Code", "mcpServers", True, lambda p, h, e: h / ".claude.json"
        ),
    )
}


def read_config(path: Path) -> dict[str, Any]:
    """The client's config as it is, ``{}`` when there is none yet; never rewrites a file it
    cannot understand."""
    if not path.exists():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigurationError(
            f"{path} is not valid JSON ({exc}); it was left untouched.",
            next_step="Fix or move the file, then run the command again.",
        ) from None
    if not isinstance(config, dict):
        raise ConfigurationError(f"{path} does not hold a JSON object; it was left untouched.")
    return config


def servers_of(config: dict[str, Any], client: McpClient, path: Path) -> dict[str, Any]:
    servers = config.get(client.servers_key, {})
    if not isinstance(servers, dict):
        raise ConfigurationError(
            f"{path}: {client.servers_key!r} is not an object; the file was left untouched."
        )
    return servers


def merged(
    config: dict[str, Any], client: McpClient, name: str, entry: dict[str, Any]
) -> dict[str, Any]:
    """``config`` with Vaultra's entry set under ``name``; every other key kept, in order."""
    servers = dict(config.get(client.servers_key, {}))
    servers[name] = entry
    return {**config, client.servers_key: servers}


def write_config(path: Path, config: dict[str, Any]) -> Path | None:
    """Write ``config`` atomically, keeping a copy of the old file; returns the backup path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if path.exists():
        backup = path.with_name(path.name + ".vaultra-backup")
        shutil.copy2(path, backup)
    temporary = path.with_name(path.name + ".vaultra-tmp")
    temporary.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if backup is not None:
        shutil.copymode(backup, temporary)
    os.replace(temporary, path)
    return backup
