"""Tagging an index with a taxonomy: every paragraph scored against every theme from its stored
vector (diplodash.themes), and re-tagging after the taxonomy changed.

A re-tag scores again only the themes whose scoring changed: each theme's fingerprint (its
taxonomy entry, the threshold and head it tags with, the model) is kept in the manifest, and a
theme whose fingerprint is unchanged keeps its stored scores and tags. Saving one taught theme
at 160k paragraphs then costs the reading and writing of the index, not the scoring of every theme.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from . import multilingual as spaces
from .embeddings import Embedder, EmbeddingCache, default_cache_dir
from .queries import list_column
from .themes import (DEFAULT_THRESHOLD, SCORE_FLOOR, Theme, ThemeHead, ThemeScorer, load_taxonomy, scoring_rules,
                     tag_paragraphs, taxonomy_digest, theme_entry)


def _head_digest(head: ThemeHead | None) -> str:
    if head is None:
        return "-"
    parts = [head.weights.astype(np.float32).tobytes(), repr((head.similarity_weight, head.keyword_weight, head.bias,
                                                               head.description, head.threshold)).encode()]
    return hashlib.blake2b(b"".join(parts), digest_size=8).hexdigest()


def fingerprints(model: str, themes: list[Theme], thresholds: dict, heads: dict) -> dict[str, str]:
    """Per theme, what its scores depend on, as a short digest."""
    return {t.id: hashlib.blake2b(repr((__version__, model, json.dumps(theme_entry(t), sort_keys=True),
                                        thresholds.get(t.id), _head_digest(heads.get(t.id)))).encode(),
                                  digest_size=8).hexdigest() for t in themes}


def tag_index(paragraphs: pd.DataFrame, articles: pd.DataFrame, embeddings: np.ndarray, taxonomy: list[Theme],
              themes_path, model: str, make_embedder, cache: EmbeddingCache | None = None, cache_dir=None,
              previous: tuple[dict, pd.DataFrame] | None = None, multilingual: np.ndarray | None = None):
    """The paragraphs with their `themes`, the long table of scores, and the manifest's themes entry.
    `previous` (the manifest's fingerprints and the stored scores) lets unchanged themes keep their
    scores; `make_embedder()` is called only if a theme has to be scored (its sentences embedded).
    With `multilingual` vectors, paragraphs the primary model does not read are scored in the
    multilingual space, against the same themes' sentences embedded there, with its own thresholds."""
    thresholds, heads = scoring_rules(model, taxonomy, themes_path)
    across = thresholds_across = None
    if multilingual is not None:
        across = ~spaces.primary_rows(paragraphs["language"])
        thresholds_across, heads_across = scoring_rules(spaces.MODEL, taxonomy, themes_path)
    prints = fingerprints(model, taxonomy, thresholds, heads) if multilingual is None else \
        fingerprints(f"{model} + {spaces.MODEL}", taxonomy,
                     {t.id: (thresholds.get(t.id), thresholds_across.get(t.id)) for t in taxonomy}, heads)
    threshold_of = {t.id: heads[t.id].threshold if t.id in heads else thresholds.get(t.id, DEFAULT_THRESHOLD) for t in taxonomy}
    old_prints, stored = previous or ({}, None)
    # A theme that tags below the floor of stored scores would lose rows it tags: scored again.
    kept = {t.id for t in taxonomy if stored is not None and old_prints.get(t.id) == prints[t.id]
            and threshold_of[t.id] >= SCORE_FLOOR}
    fresh = [t for t in taxonomy if t.id not in kept]
    long = []
    if fresh:
        titles = paragraphs["article_id"].map(articles.set_index("article_id")["title"])
        read = ~across if across is not None else np.ones(len(paragraphs), dtype=bool)
        if read.any():
            embedder = make_embedder()
            cache = cache or EmbeddingCache(cache_dir or default_cache_dir(), embedder.name).load()
            scorer = ThemeScorer(fresh, embedder, cache, thresholds, heads)
            long.append(tag_paragraphs(paragraphs[read], embeddings[read], scorer, titles[read])[1])
        if across is not None and across.any():
            encoder = spaces.MultilingualEncoder()
            scorer = ThemeScorer(fresh, encoder, EmbeddingCache(cache_dir or default_cache_dir(), encoder.name).load(),
                                 thresholds_across, heads_across)
            long.append(tag_paragraphs(paragraphs[across], multilingual[across], scorer, titles[across])[1])
    if kept:
        long.append(stored[stored["theme"].isin(kept)])
    order = {t.id: number for number, t in enumerate(taxonomy)}
    scores = pd.concat(long, ignore_index=True) if long else pd.DataFrame(columns=["paragraph_id", "theme", "score", "tagged"])
    rows = pd.Index(paragraphs["paragraph_id"]).get_indexer(scores["paragraph_id"])
    scores = scores.assign(_row=rows, _theme=scores["theme"].map(order))
    scores = scores[scores["_row"] >= 0].sort_values(["_row", "_theme"], kind="stable")
    tags = scores[scores["tagged"].astype(bool)]
    tagged = paragraphs.drop(columns=["themes"], errors="ignore")
    tagged["themes"] = list_column(tags["_row"].to_numpy(), tags["theme"].to_numpy(dtype=object), len(tagged), tagged.index)
    info = {"taxonomy": str(themes_path or "data/themes.yaml"), "digest": taxonomy_digest(taxonomy),
            "labels": {t.id: t.label for t in taxonomy}, "thresholds": {i: float(v) for i, v in threshold_of.items()},
            "calibrated": sorted(set(thresholds) & set(order)),
            **({"multilingual_thresholds": {t.id: float(thresholds_across.get(t.id, DEFAULT_THRESHOLD)) for t in taxonomy}}
               if thresholds_across is not None else {}), "taught": sorted(t.id for t in taxonomy if t.threshold is not None),
            "trained": sorted(set(heads) & set(order)), "fingerprints": prints, "rescored": [t.id for t in fresh]}
    return tagged, scores.drop(columns=["_row", "_theme"]).reset_index(drop=True), info


def retag(index_dir: str | Path, themes: str | Path | None = None, cache_dir: str | Path | None = None,
          wait: float = -1, embedder: Embedder | None = None, rescore_all: bool = False) -> dict:
    """Re-tag an index with a (changed) taxonomy; paragraph vectors are reused, never recomputed,
    and (unless `rescore_all`) themes whose scoring did not change keep their stored scores."""
    from .build import exclusive, write_index
    from .index import THEME_SCORES, read_tables, segment_folders
    from .segments import joined_statements, state_path
    from .statements import FOLDER as STATEMENTS

    index_dir = Path(index_dir)
    with exclusive(index_dir, wait):
        started = time.perf_counter()
        manifest, articles, paragraphs, embeddings = read_tables(index_dir)
        extensions = [e for e in (manifest.get("themes") or {}).get("extensions", []) if Path(e).is_file()]
        taxonomy = load_taxonomy(themes, extensions)
        previous = None
        parts = segment_folders(index_dir, manifest)
        if not rescore_all and all((part / THEME_SCORES).exists() for part in parts):
            stored = pd.concat([pd.read_parquet(part / THEME_SCORES) for part in parts], ignore_index=True)
            previous = ((manifest.get("themes") or {}).get("fingerprints") or {}, stored)
        across = spaces.read(parts, len(paragraphs))
        paragraphs, scores, manifest["themes"] = tag_index(
            paragraphs, articles, embeddings, taxonomy, themes, manifest["model"],
            lambda: embedder or Embedder(manifest["model"]), cache_dir=cache_dir, previous=previous, multilingual=across)
        manifest["themes"]["extensions"] = extensions
        manifest.setdefault("timings", {})["retag_s"] = round(time.perf_counter() - started, 3)
        manifest["retagged_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        state = state_path(index_dir, manifest)
        carry = (state,) if state else ()
        if manifest.get("segments"):  # a grown index is re-tagged into one base: a compaction
            statements = joined_statements(index_dir, manifest, embeddings.shape[1])
            manifest["segments"] = []
            write_index(index_dir, articles, paragraphs, embeddings, manifest, scores, carry=carry, statements=statements,
                        multilingual=across)
        else:
            write_index(index_dir, articles, paragraphs, (index_dir / "embeddings.npy").resolve(), manifest, scores,
                        lexical=index_dir / "lexical", statements=index_dir / STATEMENTS, carry=carry,
                        multilingual=spaces.part_vectors(index_dir))
        return manifest
