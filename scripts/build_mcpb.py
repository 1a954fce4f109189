"""Build the Claude Desktop extension: ``dist/vaultra-<version>.mcpb``.

    python scripts/build_mcpb.py [--out dist]

A UV-runtime bundle (MCPB manifest 0.4): the source and pyproject.toml, no bundled packages;
Claude Desktop creates the environment with uv and runs ``vaultra-mcp`` in it. The personal
access token is a sensitive ``user_config`` value (kept in the OS keychain, never in a file), and
so is the database URL. The manifest lists the server's live tools and prompts, and is checked
by the official ``@anthropic-ai/mcpb`` CLI (pinned in scripts/mcpb/) before packing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MCPB_DIR = ROOT / "scripts" / "mcpb"
MCPB = MCPB_DIR / "node_modules" / ".bin" / "mcpb"
SOURCES = ("vaultra_mcp", "api_shell", "knowledge", "pyproject.toml", "setup.py", "README.md")


def live_surface() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The tools and prompts the server really lists, first docstring line each."""
    from fastmcp import Client

    from vaultra_mcp.caller import Caller
    from vaultra_mcp.server.app import build_server
    from vaultra_mcp.server.runtime import FixedIdentity
    from vaultra_mcp.settings import Settings

    async def listed() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        server = build_server(Settings(), FixedIdentity(Caller.pinned(1)))
        async with Client(server) as client:
            tools = await client.list_tools()
            prompts = await client.list_prompts()
        first = lambda text: (text or "").strip().splitlines()[0]  # noqa: E731
        return (
            [{"name": t.name, "description": first(t.description)} for t in tools],
            [
                {
                    "name": p.name,
                    "description": first(p.description),
                    "arguments": [a.name for a in p.arguments or []],
                    "text": f"Use Vaultra's {p.name.replace('_', ' ')} prompt.",
                }
                for p in prompts
            ],
        )

    return asyncio.run(listed())


def manifest(version: str) -> dict[str, object]:
    tools, prompts = live_surface()
    return {
        "manifest_version": "0.4",
        "name": "vaultra",
        "display_name": "Vaultra",
        "version": version,
        "description": "Funding readiness for a small business, from its own Stripe history.",
        "long_description": (
            "Scores how ready the business is for financing (0-100, nine explained components "
            "with their public sources), recommends what to do next, lists the funding products "
            "its data supports, runs what-ifs, and answers financing questions from a curated, "
            "cited knowledge base."
        ),
        "author": {"name": "Vaultra"},
        "license": "Proprietary",
        "keywords": ["funding", "small business", "stripe", "lending", "readiness"],
        "server": {
            "type": "uv",
            "entry_point": "vaultra_mcp/server/__main__.py",
            "mcp_config": {
                "command": "uv",
                "args": ["run", "--directory", "${__dirname}", "vaultra-mcp"],
                "env": {
                    "VAULTRA_TOKEN": "${user_config.vaultra_token}",
                    "DATABASE_URL": "${user_config.database_url}",
                },
            },
        },
        "tools": tools,
        "prompts": prompts,
        "compatibility": {
            "platforms": ["darwin", "win32", "linux"],
            "runtimes": {"python": ">=3.11"},
        },
        "user_config": {
            "vaultra_token": {
                "type": "string",
                "title": "Vaultra access token",
                "description": "A personal access token (vtk_...) from the web app's settings "
                "or `vaultra token create --email you@example.com`.",
                "sensitive": True,
                "required": True,
            },
            "database_url": {
                "type": "string",
                "title": "Vaultra database",
                "description": "The database your Vaultra runs on, e.g. "
                "postgresql://user:pass@host/vaultra (`vaultra doctor` shows it).",
                "sensitive": True,
                "required": True,
            },
        },
    }


def mcpb(*args: str) -> subprocess.CompletedProcess[str]:
    if not MCPB.exists():
        npm = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(npm, cwd=MCPB_DIR, check=True)
    return subprocess.run([str(MCPB), *args], capture_output=True, text=True, check=False)


def build(out: Path) -> Path:
    from vaultra_mcp import __version__

    out.mkdir(parents=True, exist_ok=True)
    bundle = out / f"vaultra-{__version__}.mcpb"
    with tempfile.TemporaryDirectory() as staging:
        stage = Path(staging)
        for name in SOURCES:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, stage / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, stage / name)
        (stage / "manifest.json").write_text(json.dumps(manifest(__version__), indent=2) + "\n")
        for step in (("validate", str(stage / "manifest.json")), ("pack", str(stage), str(bundle))):
            result = mcpb(*step)
            if result.returncode != 0:
                raise SystemExit(f"mcpb {step[0]} failed:\n{result.stdout}{result.stderr}")
    return bundle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    bundle = build(parser.parse_args().out)
    sys.stdout.write(f"{bundle} ({bundle.stat().st_size / 1024:.0f} KB)\n")


if __name__ == "__main__":
    main()
