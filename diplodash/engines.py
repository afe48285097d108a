"""Engines for the build's map: where reading, attribution and embedding run.

The build is a map over documents (read -> paragraphs -> speakers -> vectors) followed by a
publish (dedup in input order, tagging, writing the index). The local engine runs the map in this
process, as always. The Ray engine (`diplodash build ... --engine ray [--address ray://...]`) runs
the same stage functions on a Ray cluster, through Ray Data's `map_batches`:
- reading: `build.read_document` over chunks of documents;
- attribution: `speakers.attribute` over batches of whole articles (spelling variants are merged
  across the corpus afterwards, here, as the local build does);
- embedding: an actor pool, one model per actor (a GPU each where the cluster has them), fills
  the embedding cache with what it lacks; the build then assembles vectors and statement vectors
  from the cache exactly as a local build does.
The publish stays here. Results come back in input order, so the index is the same row for row.
"""
from __future__ import annotations

import os
import pickle

import numpy as np
import pandas as pd

ENGINES = ("local", "ray")


class LocalEngine:
    """The map in this process: the default, needs nothing more."""

    name = "local"
    read_chunk = 1  # one document at a time: its bytes are freed before the next is read

    def read(self, jobs: list[tuple]) -> list[tuple]:
        from .build import read_document

        return [read_document(*job) for job in jobs]

    def attribute(self, articles: pd.DataFrame, paragraphs: pd.DataFrame, tables, timings: dict) -> pd.DataFrame:
        from .speakers import attribute

        return attribute(articles, paragraphs, tables, merge=False, timings=timings)

    def warm(self, texts: list[str], embedder, cache, with_statements: bool) -> int:
        return 0  # the build embeds what the cache lacks itself


def make_engine(name: str = "local", address: str | None = None, **options):
    if name in (None, "local"):
        return LocalEngine()
    if name == "ray":
        return RayEngine(address, **options)
    raise ValueError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")


class MemoryCache:
    """An embedding cache that lives in one actor for one batch (diplodash.statements reads it)."""

    def __init__(self):
        self.vectors: dict[str, np.ndarray] = {}

    def get(self, key: str):
        return self.vectors.get(key)

    def add(self, keys, vectors) -> None:
        self.vectors.update(zip(keys, np.asarray(vectors, dtype=np.float32)))


class _Embedding:
    """One model per Ray actor; a batch of texts in, the cache entries they need out."""

    def __init__(self, embedder_blob: bytes, with_statements: bool):
        self.embedder = pickle.loads(embedder_blob)
        self.with_statements = with_statements
        model = getattr(self.embedder, "model", None)
        try:
            import torch

            if model is not None and torch.cuda.is_available():
                model.to("cuda")
        except ImportError:
            pass

    def __call__(self, batch: dict) -> dict:
        from .statements import embed_paragraphs

        cache = MemoryCache()
        embed_paragraphs(list(batch["text"]), self.embedder, cache, with_statements=self.with_statements)
        return {"entries": [pickle.dumps((list(cache.vectors), np.stack(list(cache.vectors.values()))))]}


def _read_batch(batch: dict) -> dict:
    from .build import read_document

    return {"result": [pickle.dumps(read_document(*pickle.loads(job))) for job in batch["job"]]}


def _attribute_batch(batch: dict, tables_blob: bytes) -> dict:
    from .speakers import attribute

    tables = pickle.loads(tables_blob)
    out = []
    for blob in batch["articles"]:
        articles, paragraphs = pickle.loads(blob)
        out.append(pickle.dumps(attribute(articles, paragraphs, tables, merge=False)))
    return {"attributed": out}


class RayEngine:
    """The map on a Ray cluster (`address`), or on a local Ray runtime started here."""

    name = "ray"
    read_chunk = 4096  # documents per round trip

    def __init__(self, address: str | None = None, num_cpus: int | None = None, actors: int | None = None,
                 batch_size: int = 256):
        import ray

        if not ray.is_initialized():
            ray.init(address=address, num_cpus=num_cpus, ignore_reinit_error=True, log_to_driver=False,
                     include_dashboard=False, configure_logging=False)
        import logging

        import ray.data

        logging.getLogger("ray.data").setLevel(logging.WARNING)  # a line per dataset otherwise
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # results in input order: the same index
        context.enable_progress_bars = False
        self.ray = ray
        resources = ray.cluster_resources()
        self.gpus = int(resources.get("GPU", 0))
        self.actors = actors or max(1, self.gpus or min(int(resources.get("CPU", 1)), 4))
        self.batch_size = batch_size

    def read(self, jobs: list[tuple]) -> list[tuple]:
        if not jobs:
            return []
        items = [{"job": pickle.dumps(job)} for job in jobs]
        blocks = max(1, min(len(items), self.actors * 4))
        dataset = self.ray.data.from_items(items, override_num_blocks=blocks).map_batches(_read_batch, batch_size=16)
        return [pickle.loads(row["result"]) for row in dataset.iter_rows()]

    def attribute(self, articles: pd.DataFrame, paragraphs: pd.DataFrame, tables, timings: dict) -> pd.DataFrame:
        if paragraphs.empty:
            from .speakers import attribute

            return attribute(articles, paragraphs, tables, merge=False, timings=timings)
        groups = list(paragraphs.groupby("article_id", sort=False))
        size = max(1, len(groups) // (self.actors * 4) or 1)
        items = []
        for start in range(0, len(groups), size):
            part = pd.concat([g for _, g in groups[start:start + size]])
            items.append({"articles": pickle.dumps((articles[articles.article_id.isin(part.article_id.unique())], part))})
        dataset = self.ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            _attribute_batch, batch_size=1, fn_kwargs={"tables_blob": pickle.dumps(tables)})
        attributed = pd.concat([pickle.loads(row["attributed"]) for row in dataset.iter_rows()])
        return attributed.loc[paragraphs.index]

    def warm(self, texts: list[str], embedder, cache, with_statements: bool) -> int:
        """Embed on the cluster what the cache lacks, and add it to the cache; returns how many texts."""
        from .statements import missing_texts

        todo = missing_texts(texts, cache, with_statements and hasattr(embedder, "encode_with_tokens"))
        if not todo:
            return 0
        blob = pickle.dumps(_portable(embedder))
        items = [{"text": text} for text in todo]
        blocks = max(1, min(len(items) // self.batch_size, 64))
        actors = min(self.actors, blocks)  # each actor loads the model: none idle
        dataset = self.ray.data.from_items(items, override_num_blocks=blocks) \
            .map_batches(_Embedding, batch_size=self.batch_size, compute=self.ray.data.ActorPoolStrategy(size=actors),
                         num_gpus=1 if self.gpus else 0, fn_constructor_args=(blob, with_statements))
        for row in dataset.iter_rows():
            keys, vectors = pickle.loads(row["entries"])
            cache.add(keys, vectors)
        return len(todo)


def _portable(embedder):
    """An embedder to send to the cluster: the model is loaded there, not pickled from here."""
    from .embeddings import Embedder

    if isinstance(embedder, Embedder):
        return Embedder(embedder.name, embedder.batch_size)
    return embedder


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return os.environ.get("DIPLODASH_NO_RAY") != "1"
