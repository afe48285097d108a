"""Writing an index: every file of a part (the whole index, or one segment a watch pass appends)
into a staging folder, synced, then swapped in with one rename, so that a reader sees the old index
or the new one, never half of either; a failed build leaves the previous index in place."""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from . import neighbours
from .multilingual import FILE as MULTILINGUAL
from .neighbours import IVF_FILE, build_ivf

THEME_SCORES = "paragraph_themes.parquet"

def write_index(target: str | Path, articles: pd.DataFrame, paragraphs: pd.DataFrame,
                embeddings: np.ndarray | Path, manifest: dict, theme_scores: pd.DataFrame | None = None,
                lexical: Path | None = None, statements=None, carry: tuple[Path, ...] = (),
                multilingual: np.ndarray | Path | None = None) -> Path:
    """Write every file into a staging folder, then swap it in. `embeddings` may be the path of an
    existing embeddings.npy, which is hard-linked (re-tagging never rewrites the vectors); `lexical`,
    an existing lexical index of the same texts, is copied rather than rebuilt; `statements` (the
    sentence vectors, diplodash.statements) likewise, or a Statements to save; `carry`, files of the
    old index that the new one keeps as they are (a watcher's state); `multilingual`, the vectors of
    the multilingual space (diplodash.multilingual), or the path of the old ones, or None."""
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.building-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        write_part(staging, articles, paragraphs, embeddings, theme_scores, lexical, statements, multilingual)
        for path in carry:
            if Path(path).is_file():
                _link(Path(path), staging / Path(path).name)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        _fsync(staging / "manifest.json")
        _publish(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def write_part(folder: Path, articles: pd.DataFrame, paragraphs: pd.DataFrame, embeddings: np.ndarray | Path,
               theme_scores: pd.DataFrame | None = None, lexical: Path | None = None, statements=None,
               multilingual: np.ndarray | Path | None = None) -> None:
    """The files of one part of an index (the whole of it, or one segment) into `folder`, synced."""
    from . import lexical as lexical_index
    from .statements import FOLDER as STATEMENTS

    folder.mkdir(parents=True, exist_ok=True)
    articles.to_parquet(folder / "articles.parquet", index=False)
    # pandas cannot read back its own metadata for Arrow list dtypes: store them as plain lists.
    plain_lists = {c: pd.Series(paragraphs[c].tolist(), index=paragraphs.index, dtype=object)
                   for c in paragraphs if isinstance(paragraphs[c].dtype, pd.ArrowDtype)}
    paragraphs.assign(**plain_lists).to_parquet(folder / "paragraphs.parquet", index=False)
    if theme_scores is not None:
        theme_scores.to_parquet(folder / THEME_SCORES, index=False)
    if isinstance(embeddings, Path):
        _link(embeddings, folder / "embeddings.npy")
        if (embeddings.parent / IVF_FILE).exists():  # the same vectors: the same inverted file
            _link(embeddings.parent / IVF_FILE, folder / IVF_FILE)
    else:
        np.save(folder / "embeddings.npy", np.ascontiguousarray(embeddings, dtype=np.float32))
        if len(embeddings) >= neighbours.APPROXIMATE_FROM:
            build_ivf(np.load(folder / "embeddings.npy", mmap_mode="r"), folder / IVF_FILE)
    if isinstance(multilingual, Path):
        _link(multilingual, folder / MULTILINGUAL)
    elif multilingual is not None:
        np.save(folder / MULTILINGUAL, np.ascontiguousarray(multilingual, dtype=np.float32))
    lexical_index.write(folder / lexical_index.FOLDER, paragraphs["text"].tolist(), lexical)
    if isinstance(statements, Path):
        if statements.is_dir():
            _link_tree(statements, folder / STATEMENTS)
    elif statements is not None:
        statements.save(folder / STATEMENTS)
    for path in [*folder.iterdir(), *(folder / lexical_index.FOLDER).iterdir(),
                 *((folder / STATEMENTS).iterdir() if (folder / STATEMENTS).is_dir() else [])]:
        if path.is_file():
            _fsync(path)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link (else copy) the files of an unchanged part of the index into the new one."""
    target.mkdir()
    for path in source.iterdir():
        _link(path, target / path.name)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _publish(staging: Path, target: Path) -> None:
    if not target.exists():
        os.rename(staging, target)
    elif _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous index
    else:
        previous = target.parent / f".{target.name}.previous-{uuid.uuid4().hex[:8]}"
        os.rename(target, previous)
        os.rename(staging, target)
        shutil.rmtree(previous, ignore_errors=True)
    _fsync_dir(target.parent)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_staging(target: str | Path) -> None:
    """Staging folders left by a killed build; call only while holding the build lock."""
    target = Path(target).resolve()
    for folder in target.parent.glob(f".{target.name}.building-*"):
        shutil.rmtree(folder, ignore_errors=True)


def recover(target: Path) -> None:
    """Put back a previous index left aside by a build killed between its two renames."""
    if target.exists():
        return
    leftovers = sorted(target.parent.glob(f".{target.name}.previous-*"), key=lambda p: p.stat().st_mtime)
    for candidate in reversed(leftovers):
        if (candidate / "manifest.json").exists():
            os.rename(candidate, target)
            return
