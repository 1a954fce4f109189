"""Packaging beyond what pyproject.toml can say: the knowledge corpus ships inside the wheel.

``knowledge/`` stays at the top of the repository (where authors edit it) and installs as the
package ``vaultra_knowledge``, read with ``importlib.resources``, so an installed ``vaultra-mcp``
finds its corpus from any working directory. Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["vaultra_mcp*", "api_shell*", "evals*"]),
        "vaultra_knowledge",
    ],
    package_dir={"vaultra_knowledge": "knowledge"},
    package_data={
        "vaultra_knowledge": ["*.md"],
        "vaultra_mcp": [
            "migrations/*.py",
            "migrations/*.mako",
            "migrations/versions/*.py",
            "integrations/minilm/*.gz",
            "agent/offline/*.yaml",
        ],
        "evals": ["baseline.json", "cases/*.yaml", "retrieval/*.yaml"],
    },
)
