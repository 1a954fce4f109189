"""Where Vaultra keeps its files when no setting says: absolute paths, whatever the working dir.

A client such as Claude Desktop starts ``vaultra-mcp`` in a directory of its own choosing, so no
default may be relative. Files live in one data directory: ``VAULTRA_DATA_DIR`` when set, else
``.vaultra/`` in the checkout the code runs from (an editable install, as ``make run`` makes),
else the per-user data directory (``platformdirs``). The knowledge corpus ships inside the
installed package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

DATA_DIR_ENV = "VAULTRA_DATA_DIR"


@dataclass(frozen=True, slots=True)
class DataHome:
    path: Path
    reason: str  # why this directory, for `vaultra doctor`


def checkout_root() -> Path | None:
    """The repository this code is running from, if it is one (not an installed wheel)."""
    root = Path(__file__).resolve().parents[1]
    if (root / "pyproject.toml").is_file() and (root / "knowledge").is_dir():
        return root
    return None


def data_home() -> DataHome:
    explicit = os.environ.get(DATA_DIR_ENV, "").strip()
    if explicit:
        return DataHome(Path(explicit).expanduser().resolve(), f"{DATA_DIR_ENV} is set")
    root = checkout_root()
    if root is not None:
        return DataHome(root / ".vaultra", f"running from the checkout at {root}")
    from platformdirs import user_data_dir

    return DataHome(Path(user_data_dir("vaultra", appauthor=False)), "the per-user data directory")


def packaged_corpus() -> Path:
    """The knowledge documents installed with the code (``knowledge/`` in a checkout)."""
    return Path(str(files("vaultra_knowledge")))


def web_build() -> Path | None:
    """The web app's static build in this checkout (``web/dist``), when there is one."""
    root = checkout_root()
    return root / "web" / "dist" if root is not None else None
