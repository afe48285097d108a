"""An index that grows by segments: each watch pass appends its new articles as a segment of its
own (the same Parquet, vector, lexical and statement files as the index's base, in
`segments/<name>/`), and the manifest lists the live ones. Publishing a segment writes only the
new rows, then swaps the manifest in one atomic rename, together with the watcher's state: a
reader sees the index before the pass or after it, and a pass killed at any point leaves the
previous index loadable, its half-written segment unlisted (removed by the next writer).

Compaction folds the segments back into one base (as `retag` does when it rewrites the index);
a watch pass compacts when the index holds MAX_SEGMENTS of them. Any Parquet engine reads the
index as it is: the base's files plus each listed segment's.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from . import multilingual as spaces
from .index import (SEGMENTS, THEME_SCORES, _fsync, _fsync_dir, part_paragraphs, read_manifest, read_tables,
                    segment_folders, write_index, write_part)

MAX_SEGMENTS = 16
STATE_PREFIX = "watch-state"


def state_path(folder: Path, manifest: dict) -> Path | None:
    """The watcher's state file the manifest names, if any."""
    name = (manifest.get("watch") or {}).get("state")
    return Path(folder) / name if name else None


def append(folder: str | Path, articles: pd.DataFrame, paragraphs: pd.DataFrame, embeddings: np.ndarray | None,
           theme_scores: pd.DataFrame | None, statements, state: dict | None = None,
           changes: dict | None = None, multilingual: np.ndarray | None = None) -> dict:
    """Add these rows as a new segment (none when there are no rows) and the watcher's new `state`,
    published with one manifest swap; returns the new manifest. The caller holds the build lock."""
    folder = Path(folder).resolve()
    manifest = read_manifest(folder)
    segments = list(manifest.get("segments") or [])
    name = f"{len(segments) + 1:04d}-{uuid.uuid4().hex[:8]}"
    if len(paragraphs):
        staging = folder / SEGMENTS / f".{name}.building"
        write_part(staging, articles, paragraphs, embeddings, theme_scores, statements=statements, multilingual=multilingual)
        os.rename(staging, folder / SEGMENTS / name)
        _fsync_dir(folder / SEGMENTS)
        segments.append(name)
    updated = {**manifest, **(changes or {}), "segments": segments,
               "updated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    counts = dict(manifest.get("counts") or {})
    counts["articles"] = int(counts.get("articles", 0)) + len(articles)
    counts["paragraphs"] = int(counts.get("paragraphs", 0)) + len(paragraphs)
    updated["counts"] = counts
    if state is not None:
        state_name = f"{STATE_PREFIX}-{name}.json"
        _write_synced(folder / state_name, json.dumps(state, indent=1, sort_keys=True, default=str))
        updated["watch"] = {**(manifest.get("watch") or {}), "state": state_name}
    _write_synced(folder / ".manifest.json.new", json.dumps(updated, indent=2, default=str))
    os.replace(folder / ".manifest.json.new", folder / "manifest.json")
    _fsync_dir(folder)
    remove_unlisted(folder, updated)
    return updated


def remove_unlisted(folder: Path, manifest: dict) -> None:
    """Segments and watcher states no manifest lists: left by a pass that was killed or replaced."""
    listed = set(manifest.get("segments") or [])
    if (folder / SEGMENTS).is_dir():
        for part in (folder / SEGMENTS).iterdir():
            if part.name not in listed:
                shutil.rmtree(part, ignore_errors=True)
    keep = state_path(folder, manifest)
    for path in folder.glob(f"{STATE_PREFIX}-*.json"):
        if keep is None or path.name != keep.name:
            path.unlink(missing_ok=True)


def compact(folder: str | Path) -> dict:
    """Fold every segment into one base index (vectors, lexical index and statement vectors
    rewritten once); the watcher's state is kept. The caller holds the build lock."""
    folder = Path(folder).resolve()
    manifest, articles, paragraphs, embeddings = read_tables(folder)
    parts = segment_folders(folder, manifest)
    scores = [pd.read_parquet(part / THEME_SCORES) for part in parts if (part / THEME_SCORES).exists()]
    statements = joined_statements(folder, manifest, embeddings.shape[1])
    across = spaces.read(parts, len(paragraphs))
    manifest = {**manifest, "segments": [], "compacted_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    state = state_path(folder, manifest)
    write_index(folder, articles, paragraphs, embeddings, manifest, pd.concat(scores, ignore_index=True) if scores else None,
                statements=statements, carry=(state,) if state else (), multilingual=across)
    return manifest


def joined_statements(folder: Path, manifest: dict, dim: int):
    """The statement vectors of every part as one Statements, in memory (for a rewrite)."""
    from .statements import FOLDER as STATEMENTS, Statements

    parts = [Statements.load(part / STATEMENTS, part_paragraphs(part), dim) for part in segment_folders(folder, manifest)]
    offsets, start = [np.zeros(1, dtype=np.int64)], 0
    for part in parts:
        offsets.append(part.offsets[1:] + start)
        start += len(part.vectors)
    return Statements(np.concatenate([np.asarray(p.vectors) for p in parts]).astype(np.float16),
                      np.concatenate(offsets), np.concatenate([p.spans for p in parts]).astype(np.int32))


def _write_synced(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    _fsync(path)
