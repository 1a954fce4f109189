"""Build the web app (web/dist) when its sources changed: `npm ci`, then `npm run build`.

    python scripts/build_web.py          # what `make run` and `make test` call

Each step runs only when its inputs changed since it last succeeded (a content hash kept
beside its output), so an unchanged checkout costs a few milliseconds. Without Node.js 20.3+
it says what is missing and exits 0: the API and MCP still run, and `/` explains.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "web"
DIST = WEB / "dist"
MODULES = WEB / "node_modules"
INSTALL_STAMP = MODULES / ".vaultra-install"
BUILD_STAMP = DIST / ".vaultra-build"
INPUTS = ("package.json", "package-lock.json", "astro.config.mjs", "tsconfig.json")
TREES = ("src", "public")
MIN_NODE = (20, 3)


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(str(path.relative_to(WEB)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def sources() -> list[Path]:
    files = [WEB / name for name in INPUTS if (WEB / name).is_file()]
    for tree in TREES:
        files += [p for p in (WEB / tree).rglob("*") if p.is_file()]
    return files


def node_problem() -> str | None:
    """Why Node cannot build the app here, or None."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return "Node.js and npm were not found on PATH"
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    found = re.match(r"v(\d+)\.(\d+)", version)
    if found is None or (int(found[1]), int(found[2])) < MIN_NODE:
        return f"Node.js {version or '(unknown)'} is too old; Astro 5 needs 20.3 or newer"
    return None


def up_to_date(stamp: Path, value: str) -> bool:
    return stamp.is_file() and stamp.read_text() == value


def run(*command: str) -> None:
    print(f"web: {' '.join(command)}", flush=True)
    quiet = {**os.environ, "ASTRO_TELEMETRY_DISABLED": "1"}  # no network call from a build
    subprocess.run(command, cwd=WEB, check=True, env=quiet)


def main() -> int:
    problem = node_problem()
    if problem is not None:
        built = "the last build in web/dist is served" if DIST.is_dir() else "/ explains this"
        print(
            f"web: NOT BUILT: {problem}. Install Node.js 20.3+ to build the web app; "
            f"the API and MCP still run ({built}).",
            flush=True,
        )
        return 0
    lock = digest([WEB / "package-lock.json"])
    try:
        if not up_to_date(INSTALL_STAMP, lock):
            run("npm", "ci", "--no-audit", "--no-fund")
            INSTALL_STAMP.write_text(lock)
        inputs = digest(sources())
        if not up_to_date(BUILD_STAMP, inputs):
            run("npm", "run", "build")
            BUILD_STAMP.write_text(inputs)
    except subprocess.CalledProcessError as exc:
        print(f"web: build failed ({' '.join(exc.cmd)} exited {exc.returncode})", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
