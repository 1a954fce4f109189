"""Write the API's OpenAPI document to web/openapi.json, for the web app's typed client.

    python scripts/export_openapi.py && (cd web && npm run api-types)

A test fails when the committed copy differs from what the routes declare.
"""

from __future__ import annotations

import json
from pathlib import Path

from api_shell.app import openapi_document

TARGET = Path(__file__).resolve().parents[1] / "web" / "openapi.json"


def render() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
