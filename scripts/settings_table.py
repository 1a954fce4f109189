"""Write the configuration tables into README.md from the settings' descriptions.

    python scripts/settings_table.py

A test fails when the README's tables differ from what the code reads.
"""

from __future__ import annotations

from pathlib import Path

from vaultra_mcp.settings_table import with_tables

README = Path(__file__).resolve().parents[1] / "README.md"


if __name__ == "__main__":
    README.write_text(with_tables(README.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the configuration tables in {README}")
