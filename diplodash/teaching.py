"""Teaching a theme: an analyst drafts a theme (label, description, example statements, keywords),
sees what it would tag before saving it, marks paragraphs "on this theme" / "not on it", and
saves; saving re-tags the index from its stored vectors (diplodash.tagging.retag), never re-embedding
a paragraph.

What the marks teach is chosen by how well each way agrees with them, cross-validated (every mark
is predicted by a rule fitted without it):
- "as it is": the theme's score and threshold unchanged (nothing fitted);
- "threshold from the marks": the same score, tagging from the threshold with the best F1 on the
  marks (bench/themes.py --marks: this learns sooner than a head, 0.555 macro-F1 at 40 marks);
- "head from the marks": a logistic head over the paragraph's vector, its similarity score and its
  keyword hit, trained on the marks alone (it needs many: 0.615 at 160 marks).
A rule is only preferred to a simpler one when it agrees better.

The files, all beside the taxonomy the dashboard edits (Settings.taxonomy_file):
  themes.yaml        the taxonomy; a theme taught a threshold carries `threshold:`
  themes.marks.csv   theme, paragraph_id, on (1/0), marked_at: the marks, kept with the taxonomy
  themes.heads.npz   heads trained on marks (a head means its theme's description only)
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .index import with_titles
from .queries import list_column, list_items, theme_timeline
from .themes import (HEAD_THRESHOLD, TaxonomyError, Theme, ThemeHead, ThemeScorer, calibrate, load_heads, load_taxonomy,
                     save_heads, scoring_rules, taught_heads_path, theme_entry, train_heads)

AS_IT_IS, THRESHOLD, HEAD = "as it is", "threshold from the marks", "head from the marks"
MIN_MARKS = 2         # of each kind before a threshold is fitted: cross-validation needs two folds of both
MIN_HEAD_MARKS = 10   # of each kind before a head is tried
HEAD_REGULARISATION = 1.0  # as bench/themes.py --marks measured it
FOLDS = 5
DRAFT = "draft"
MARK_COLUMNS = ["theme", "paragraph_id", "on", "marked_at"]
HEADER = ("# The theme taxonomy as taught on the Themes page of DiploDash (see data/themes.yaml for the format);\n"
          "# `threshold` is learned from the marks in the .marks.csv file beside it.\n")


# --- marks --------------------------------------------------------------------------------------

def marks_path(taxonomy: str | Path) -> Path:
    return Path(taxonomy).with_suffix(".marks.csv")


def read_marks(taxonomy: str | Path) -> pd.DataFrame:
    path = marks_path(taxonomy)
    if not path.exists():
        return pd.DataFrame({"theme": pd.Series(dtype=str), "paragraph_id": pd.Series(dtype=str),
                             "on": pd.Series(dtype=bool), "marked_at": pd.Series(dtype=str)})
    try:
        marks = pd.read_csv(path, dtype={"theme": str, "paragraph_id": str, "marked_at": str})
        marks["on"] = marks["on"].astype(int).astype(bool)
        return marks[MARK_COLUMNS]
    except (OSError, ValueError, KeyError, pd.errors.ParserError) as error:
        raise TaxonomyError(f"cannot read the marks {path}: {error}") from None


def set_mark(taxonomy: str | Path, theme_id: str, paragraph_id: str, on: bool | None) -> pd.DataFrame:
    """Mark a paragraph on (True) or not on (False) a theme, or clear its mark (None); the last mark wins."""
    marks = read_marks(taxonomy)
    marks = marks[~((marks["theme"] == theme_id) & (marks["paragraph_id"] == paragraph_id))]
    if on is not None:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        marks = pd.concat([marks, pd.DataFrame([{"theme": theme_id, "paragraph_id": paragraph_id, "on": bool(on),
                                                 "marked_at": now}])], ignore_index=True)
    _write_atomically(marks_path(taxonomy), marks.assign(on=marks["on"].astype(int)).to_csv(index=False))
    return marks


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(staging, path)


# --- the taxonomy being taught ---------------------------------------------------------------------

def editable_taxonomy(taxonomy: str | Path, manifest: dict) -> list[Theme]:
    """The themes to edit: the taught taxonomy once it exists, else the index's own (its file and
    extensions, merged). Either way with the extensions the index was tagged with."""
    info = manifest.get("themes") or {}
    extensions = [e for e in info.get("extensions", []) if Path(e).is_file()]
    if Path(taxonomy).exists():
        return load_taxonomy(taxonomy, extensions)
    own = info.get("taxonomy")
    return load_taxonomy(own if own and Path(own).is_file() else None, extensions)


def write_taxonomy(path: str | Path, themes: list[Theme]) -> None:
    text = HEADER + yaml.safe_dump({"themes": [theme_entry(t) for t in themes]}, sort_keys=False,
                                   allow_unicode=True, width=100)
    _write_atomically(Path(path), text)


def new_theme_id(label: str, taken) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:40] or "theme"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def draft_theme(label: str, description: str, examples: str, keywords: str, theme_id: str | None = None,
                taken=(), counter_examples: list[str] | None = None, threshold: float | None = None) -> Theme:
    """A theme from the editor's fields (examples and keywords one per line); TaxonomyError says
    what is missing or which keyword is not a valid pattern."""
    label, description = label.strip(), " ".join(description.split())
    if not label or not description:
        raise TaxonomyError("A theme needs a label and a description.")
    lines = [line.strip() for line in keywords.splitlines() if line.strip()]
    for keyword in lines:
        try:
            re.compile(keyword)
        except re.error as error:
            raise TaxonomyError(f"The keyword {keyword!r} is not a valid pattern ({error}).") from None
    return Theme(theme_id or new_theme_id(label, set(taken)), label, description,
                 [line.strip() for line in examples.splitlines() if line.strip()], lines,
                 list(counter_examples or []), threshold)


def adopted_theme(proposal: dict, taken) -> Theme:
    """A theme from one of discovery's proposals, as it stands: its top keywords name and describe
    it, its representative paragraphs' first sentences are its examples."""
    from .discovery import proposal_entry

    entry = proposal_entry(proposal)
    words = proposal["keywords"][:5]
    return Theme(new_theme_id(entry["label"], set(taken)), entry["label"],
                 f"Statements about {', '.join(words[:-1])} and {words[-1]}." if len(words) > 1 else f"Statements about {words[0]}.",
                 entry["examples"], entry["keywords"])


# --- scores, and what the marks teach ----------------------------------------------------------------

@dataclass
class ThemeScores:
    similarity: np.ndarray   # per paragraph row
    hits: np.ndarray         # keyword hit per row
    scores: np.ndarray       # what tags: the head's probability where one applies, else the similarity
    threshold: float
    head: ThemeHead | None


_scored: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def score_theme(index, theme: Theme, taxonomy: str | Path | None = None, embedder=None) -> ThemeScores:
    """Every paragraph's score for `theme` as a re-tag would give it, from the stored vectors (only
    the theme's own sentences are embedded); the last few themes scored are kept per index."""
    key = (yaml.safe_dump(theme_entry(theme), sort_keys=True), str(taxonomy),
           taught_heads_path(taxonomy).stat().st_mtime if taxonomy and taught_heads_path(taxonomy).exists() else 0)
    recent = _scored.setdefault(index, OrderedDict())
    if key in recent:
        recent.move_to_end(key)
        return recent[key]
    thresholds, heads = scoring_rules(index.model, [theme], taxonomy)
    head = heads.get(theme.id)
    if head is not None and head.uses_context(index.embeddings.shape[1]):
        head = None  # a head reading context needs every title embedded: not for a preview
    scorer = ThemeScorer([theme], embedder or index.embedder, None, thresholds, {theme.id: head} if head else {})
    similarity, hits = scorer.similarity(index.embeddings, index.paragraphs["text"])
    similarity, hits = similarity[:, 0], hits[:, 0]
    scores = head.probability(np.asarray(index.embeddings, dtype=np.float32), similarity, hits) if head else similarity
    threshold = float(scorer.thresholds[0])
    if index.multilingual is not None and not index.multilingual.primary.all():
        similarity, hits, scores = _across_languages(index, theme, taxonomy, threshold, similarity, hits, scores)
    recent[key] = ThemeScores(similarity, hits, scores.astype(np.float32), threshold, head)
    while len(recent) > 8:
        recent.popitem(last=False)
    return recent[key]


def _across_languages(index, theme: Theme, taxonomy, threshold: float, similarity, hits, scores):
    """Paragraphs the primary model does not read, scored in the multilingual space as a re-tag
    scores them (diplodash.tagging), shifted so that the one threshold tags them as it does."""
    from .multilingual import MODEL, MultilingualEncoder

    across = ~index.multilingual.primary
    own_thresholds, _ = scoring_rules(MODEL, [theme], taxonomy)
    scorer = ThemeScorer([theme], MultilingualEncoder(), None, own_thresholds, {})
    other, other_hits = scorer.similarity(index.multilingual.raw[across], index.paragraphs["text"][across])
    similarity, hits, scores = similarity.copy(), hits.copy(), np.asarray(scores, dtype=np.float32).copy()
    similarity[across], hits[across] = other[:, 0], other_hits[:, 0]
    scores[across] = other[:, 0] - scorer.thresholds[0] + threshold
    return similarity, hits, scores


@dataclass
class Way:
    name: str
    f1: float | None      # cross-validated F1 against the marks (None: too few marks to fit it)
    agree: int            # marks it predicts
    note: str = ""


@dataclass
class Lesson:
    ways: list[Way]
    chosen: str
    threshold: float
    head: ThemeHead | None   # trained on the marks, when that way is chosen
    on: int
    off: int
    missing: int             # marks of paragraphs this index does not hold


def marked_rows(index, marks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """Row positions and labels of the marks whose paragraph the index holds, and how many it does not."""
    rows = pd.Index(index.paragraphs["paragraph_id"]).get_indexer(marks["paragraph_id"])
    found = rows >= 0
    return rows[found], marks["on"].to_numpy(dtype=bool)[found], int((~found).sum())


def _f1(predicted: np.ndarray, truth: np.ndarray) -> float:
    denominator = predicted.sum() + truth.sum()
    return float(2 * (predicted & truth).sum() / denominator) if denominator else 1.0


def _folds(labels: np.ndarray):
    from sklearn.model_selection import StratifiedKFold

    splits = min(FOLDS, int(labels.sum()), int((~labels).sum()))
    return StratifiedKFold(n_splits=splits, shuffle=True, random_state=0).split(np.zeros(len(labels)), labels)


def _best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    return calibrate(scores[:, None], labels[:, None], ["theme"])["theme"]


def _head(theme: Theme, embeddings, scored: ThemeScores, rows: np.ndarray, labels: np.ndarray) -> ThemeHead:
    vectors = np.asarray(embeddings[rows], dtype=np.float32)
    return train_heads([theme], vectors, scored.similarity[rows][:, None], scored.hits[rows][:, None],
                       labels[:, None], HEAD_REGULARISATION, min_positives=1)[theme.id]


def learn(index, theme: Theme, scored: ThemeScores, marks: pd.DataFrame) -> Lesson:
    """What the marks of `theme` teach (see the module's docstring); `marks` may hold other themes'."""
    rows, labels, missing = marked_rows(index, marks[marks["theme"] == theme.id])
    return lesson_from(theme, scored, index.embeddings, rows, labels, missing)


def lesson_from(theme: Theme, scored: ThemeScores, embeddings, rows: np.ndarray, labels: np.ndarray,
                missing: int = 0) -> Lesson:
    """learn() on rows of any vectors (bench/themes.py --marks runs it on labelled paragraphs)."""
    on, off = int(labels.sum()), int((~labels).sum())
    as_is = scored.scores[rows] >= scored.threshold
    ways = [Way(AS_IT_IS, _f1(as_is, labels) if len(rows) else None, int((as_is == labels).sum()), "nothing fitted")]
    best_threshold, head = scored.threshold, None
    if min(on, off) >= MIN_MARKS:
        predicted = np.zeros(len(rows), dtype=bool)
        for train, test in _folds(labels):
            predicted[test] = scored.scores[rows[test]] >= _best_threshold(scored.scores[rows[train]], labels[train])
        best_threshold = _best_threshold(scored.scores[rows], labels)
        ways.append(Way(THRESHOLD, _f1(predicted, labels), int((predicted == labels).sum()), f"threshold {best_threshold:.3f}"))
    else:
        ways.append(Way(THRESHOLD, None, 0, f"needs {MIN_MARKS} marks of each kind"))
    if min(on, off) >= MIN_HEAD_MARKS:
        predicted = np.zeros(len(rows), dtype=bool)
        for train, test in _folds(labels):
            trained = _head(theme, embeddings, scored, rows[train], labels[train])
            predicted[test] = trained.probability(np.asarray(embeddings[rows[test]], dtype=np.float32),
                                                  scored.similarity[rows[test]], scored.hits[rows[test]]) >= HEAD_THRESHOLD
        head = _head(theme, embeddings, scored, rows, labels)
        ways.append(Way(HEAD, _f1(predicted, labels), int((predicted == labels).sum()), "tags from even odds"))
    else:
        ways.append(Way(HEAD, None, 0, f"needs {MIN_HEAD_MARKS} marks of each kind"))
    chosen = ways[0]
    for way in ways[1:]:  # a more complex rule only where it agrees better
        if way.f1 is not None and (chosen.f1 is None or way.f1 > chosen.f1 + 1e-9):
            chosen = way
    return Lesson(ways, chosen.name, best_threshold if chosen.name == THRESHOLD else scored.threshold,
                  head if chosen.name == HEAD else None, on, off, missing)


@dataclass
class Preview:
    theme: Theme
    scores: np.ndarray
    threshold: float
    lesson: Lesson

    @property
    def tagged(self) -> np.ndarray:
        return self.scores >= self.threshold


def preview(index, theme: Theme, marks: pd.DataFrame, taxonomy: str | Path | None = None, embedder=None) -> Preview:
    """What `theme` would tag once saved, having learned from its marks."""
    scored = score_theme(index, theme, taxonomy, embedder)
    lesson = learn(index, theme, scored, marks)
    if lesson.head is not None:
        scores = lesson.head.probability(np.asarray(index.embeddings, dtype=np.float32), scored.similarity, scored.hits)
        return Preview(theme, scores.astype(np.float32), lesson.head.threshold, lesson)
    return Preview(theme, scored.scores, lesson.threshold, lesson)


def _rows(index, preview: Preview, rows: np.ndarray) -> pd.DataFrame:
    return with_titles(index, index.paragraphs.iloc[rows].assign(score=preview.scores[rows]))


def _candidates(index, marks: pd.DataFrame, theme_id: str) -> np.ndarray:
    """Rows worth showing to mark: searchable text that is not marked for this theme yet."""
    marked = marks.loc[marks["theme"] == theme_id, "paragraph_id"]
    return index.searchable & ~index.paragraphs["paragraph_id"].isin(marked).to_numpy()


def closest(index, preview: Preview, marks: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """The unmarked paragraphs the theme scores highest."""
    scores = np.where(_candidates(index, marks, preview.theme.id), preview.scores, -np.inf)
    rows = np.argsort(-scores, kind="stable")[:k]
    return _rows(index, preview, rows[np.isfinite(scores[rows])])


def borderline(index, preview: Preview, marks: pd.DataFrame, k: int = 6) -> pd.DataFrame:
    """The unmarked paragraphs nearest the threshold, on either side, highest first: where a mark teaches most."""
    distance = np.where(_candidates(index, marks, preview.theme.id), np.abs(preview.scores - preview.threshold), np.inf)
    rows = np.argsort(distance, kind="stable")[:k]
    rows = rows[np.isfinite(distance[rows])]
    return _rows(index, preview, rows[np.argsort(-preview.scores[rows], kind="stable")])


def preview_timeline(index, preview: Preview, saved: str | None, mask: np.ndarray, granularity: str = "month") -> pd.DataFrame:
    """theme_timeline's table for the draft (theme "draft") beside the saved theme `saved`, under `mask`."""
    draft_rows = np.flatnonzero(preview.tagged)
    rows, items = draft_rows, np.full(len(draft_rows), DRAFT, dtype=object)
    if saved:
        tagged_rows, tags = list_items(index.paragraphs["themes"])
        saved_rows = tagged_rows[(tags == saved).to_numpy(dtype=bool)]
        rows, items = np.concatenate([rows, saved_rows]), np.concatenate([items, np.full(len(saved_rows), saved, dtype=object)])
    themes = list_column(rows, items, len(index.paragraphs), index.paragraphs.index)
    table = index.paragraphs[["published", "date_precision", "source"]].assign(themes=themes)[mask]
    return theme_timeline(table, granularity, themes=[DRAFT, *([saved] if saved else [])])


# --- saving ------------------------------------------------------------------------------------------

def editable_index(served: Path, target: Path) -> Path:
    """The index a save re-tags: the served one, or (when it is the committed sample, which no editor
    writes into) a copy of it at `target`, made first."""
    if served.resolve() == target.resolve():
        return target
    if target.exists():
        shutil.rmtree(target)  # a build or copy that never completed: it holds no manifest
    staging = target.with_name(f".{target.name}-copy")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(served, staging)
    os.replace(staging, target)
    return target


def save_theme(index_path: str | Path, taxonomy: str | Path, themes: list[Theme], theme: Theme,
               lesson: Lesson | None, model: str, wait: float = 0, embedder=None) -> dict:
    """Put `theme` (new or edited) into the taxonomy with what its marks taught, and re-tag the index.
    If the re-tag fails, the taxonomy and its heads are put back as they were: nothing is half-saved."""
    from .tagging import retag

    taxonomy = Path(taxonomy)
    if lesson is not None and lesson.chosen == THRESHOLD:
        theme.threshold = lesson.threshold
    elif lesson is not None and lesson.chosen == HEAD:
        theme.threshold = None
    updated = [theme if t.id == theme.id else t for t in themes] + ([] if theme.id in {t.id for t in themes} else [theme])
    heads_file = taught_heads_path(taxonomy)
    before = {path: path.read_bytes() if path.exists() else None for path in (taxonomy, heads_file)}
    try:
        if lesson is not None and lesson.head is not None:
            heads = load_heads(model, updated, heads_file) if heads_file.exists() else {}
            heads[theme.id] = lesson.head
            save_heads(heads_file, model, heads)
        write_taxonomy(taxonomy, updated)
        return retag(index_path, taxonomy, wait=wait, embedder=embedder)
    except BaseException:
        for path, content in before.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)
        raise
