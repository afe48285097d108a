"""Themes: an editable taxonomy (data/themes.yaml) and multi-label tagging of paragraphs.

A paragraph's similarity score for a theme is its cosine similarity to the theme's description and
example statements, lowered when a counter-example is closer, raised when a keyword matches.

Where a theme has a trained head (data/theme_heads.npz, written by bench/themes.py --train from
labelled paragraphs), its score is instead the head's probability: a logistic layer over the
paragraph's vector, the similarity score and the keyword hit. A head only applies while the
theme keeps the description it was trained under; an edited or new theme falls back to the
similarity score and its calibrated threshold (data/theme_thresholds.yaml).

Only the taxonomy's few sentences are ever embedded when re-tagging: paragraph vectors come from
the index.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .embeddings import EmbeddingCache, text_key
from .text import digest

DATA = Path(__file__).resolve().parents[1] / "data"
DEFAULT_TAXONOMY = DATA / "themes.yaml"
DEFAULT_THRESHOLDS = DATA / "theme_thresholds.yaml"
DEFAULT_HEADS = DATA / "theme_heads.npz"
KEYWORD_BONUS = 0.15
DEFAULT_THRESHOLD = 0.5
HEAD_THRESHOLD = 0.5  # heads are trained with balanced class weights, so even odds is the boundary
SCORE_FLOOR = 0.2  # scores below it are not stored: they never tag and would only bloat the table


@dataclass
class Theme:
    id: str
    label: str
    description: str
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    counter_examples: list[str] = field(default_factory=list)
    threshold: float | None = None  # taught from an analyst's marks (diplodash.teaching): overrides any other

    @property
    def keyword_pattern(self) -> str | None:
        # Arrow's RE2 engine runs \b, \W and \d as Unicode classes, 30x slower than ASCII ones:
        # write them as explicit classes.
        def native(keyword: str) -> str:
            if keyword.startswith(r"\b"):
                keyword = r"(?:^|[^A-Za-z0-9])" + keyword[2:]
            if keyword.endswith(r"\b"):
                keyword = keyword[:-2] + r"(?:[^A-Za-z0-9]|$)"
            return "(?:" + keyword.replace(r"\d", "[0-9]").replace(r"\w", "[A-Za-z0-9_]") + ")"
        return "|".join(native(part) for k in self.keywords for part in _alternatives(k)) or None


def _alternatives(pattern: str) -> list[str]:
    """A pattern's top-level alternatives, so that each gets its own word-boundary rewrite."""
    parts, depth, start, escaped = [], 0, 0, False
    for position, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:position])
            start = position + 1
    return parts + [pattern[start:]]


class TaxonomyError(ValueError):
    pass


def load_taxonomy(path: str | Path | None = None, extensions: list[str | Path] = ()) -> list[Theme]:
    """The taxonomy at `path` (default data/themes.yaml); each extension file adds examples,
    keywords and counter-examples to themes of the same id, or new themes."""
    themes = _read_taxonomy(Path(path or DEFAULT_TAXONOMY))
    by_id = {t.id: t for t in themes}
    for extension in extensions:
        for extra in _read_taxonomy(Path(extension), partial=True):
            if extra.id in by_id:  # an item the theme already has (a taught copy of the taxonomy) is not doubled
                theme = by_id[extra.id]
                theme.examples += [e for e in extra.examples if e not in theme.examples]
                theme.keywords += [k for k in extra.keywords if k not in theme.keywords]
                theme.counter_examples += [c for c in extra.counter_examples if c not in theme.counter_examples]
            elif extra.description:
                themes.append(extra)
                by_id[extra.id] = extra
    return themes


def _read_taxonomy(path: Path, partial: bool = False) -> list[Theme]:
    try:
        # libyaml's loader where PyYAML has it: the taxonomy is read on every re-tag (0.6 s in Python)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except (OSError, yaml.YAMLError) as error:
        raise TaxonomyError(f"cannot read the theme taxonomy {path}: {error}") from None
    themes, seen = [], set()
    for number, entry in enumerate(data.get("themes") or [], 1):
        if not isinstance(entry, dict) or not entry.get("id") or not (entry.get("description") or partial):
            raise TaxonomyError(f"{path}: theme #{number} needs at least an id and a description")
        if entry["id"] in seen:
            raise TaxonomyError(f"{path}: theme id '{entry['id']}' appears twice")
        seen.add(entry["id"])
        theme = Theme(str(entry["id"]), str(entry.get("label") or entry["id"]), str(entry.get("description") or ""),
                      [str(e) for e in entry.get("examples") or []], [str(k) for k in entry.get("keywords") or []],
                      [str(c) for c in entry.get("counter_examples") or []])
        if entry.get("threshold") is not None:
            try:
                theme.threshold = float(entry["threshold"])
            except (TypeError, ValueError):
                raise TaxonomyError(f"{path}: theme '{theme.id}' threshold {entry['threshold']!r} is not a number") from None
        for keyword in theme.keywords:
            try:
                re.compile(keyword)
            except re.error as error:
                raise TaxonomyError(f"{path}: theme '{theme.id}' keyword {keyword!r} is not a valid pattern ({error})") from None
        themes.append(theme)
    if not themes:
        raise TaxonomyError(f"{path} defines no themes")
    return themes


def taxonomy_digest(themes: list[Theme]) -> str:
    return digest(yaml.safe_dump([theme_entry(t) for t in themes], sort_keys=True), 8)


def theme_entry(theme: Theme) -> dict:
    """The theme as a taxonomy file writes it (no empty fields)."""
    return {name: value for name, value in vars(theme).items() if value not in (None, [])}


def load_thresholds(model: str, path: str | Path | None = None) -> dict[str, float]:
    path = Path(path or DEFAULT_THRESHOLDS)
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): float(v) for k, v in (data.get(model) or {}).items()}


@dataclass
class ThemeHead:
    """P(theme) = sigmoid(features . weights + similarity_weight * similarity + keyword_weight * hit + bias),
    where the features are the paragraph's vector, or (a head trained with context) the paragraph's
    vector, its previous paragraph's and its article title's; tagged from `threshold` up."""
    weights: np.ndarray
    similarity_weight: float
    keyword_weight: float
    bias: float
    description: str  # the theme's description when trained: the head means that theme only
    threshold: float = HEAD_THRESHOLD  # chosen on a validation split (bench/themes.py)

    def uses_context(self, dim: int) -> bool:
        return len(self.weights) == 3 * dim

    def probability(self, embeddings: np.ndarray, similarity: np.ndarray, hits: np.ndarray,
                    context: np.ndarray | None = None) -> np.ndarray:
        logit = embeddings @ self.weights[: embeddings.shape[1]]
        if self.uses_context(embeddings.shape[1]):
            logit = logit + context @ self.weights[embeddings.shape[1]:]
        logit = logit + self.similarity_weight * similarity + self.keyword_weight * hits + self.bias
        return 0.5 * (1 + np.tanh(logit / 2))  # the logistic function, without overflow


def paragraph_context(paragraphs: pd.DataFrame, embeddings: np.ndarray, title_vectors: np.ndarray) -> np.ndarray:
    """What a reader has in mind on reaching a paragraph, as N x 2d: the vector of the paragraph
    before it in its article (zeros for the first) and its article title's vector. A paragraph
    that goes on from the one before ("It will also help...") inherits its topic this way."""
    embeddings = np.asarray(embeddings, dtype=np.float32)
    where = pd.Series(np.arange(len(paragraphs)),
                      index=pd.MultiIndex.from_arrays([paragraphs["article_id"], paragraphs["position"]]))
    before = where.reindex(pd.MultiIndex.from_arrays([paragraphs["article_id"], paragraphs["position"] - 1])).to_numpy()
    previous = np.zeros_like(embeddings)
    found = ~np.isnan(before)
    previous[found] = embeddings[before[found].astype(np.int64)]
    return np.hstack([previous, np.asarray(title_vectors, dtype=np.float32)])


def load_heads(model: str, themes: list[Theme], path: str | Path | None = None) -> dict[str, ThemeHead]:
    """The trained heads for `model` whose theme still has the description it was trained under."""
    path = Path(path or DEFAULT_HEADS)
    if not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as data:
        if str(data["model"]) != model:
            return {}
        thresholds = data["threshold"] if "threshold" in data.files else np.full(len(data["ids"]), HEAD_THRESHOLD)
        heads = {str(theme): ThemeHead(data["weights"][row].astype(np.float32), float(data["similarity_weight"][row]),
                                       float(data["keyword_weight"][row]), float(data["bias"][row]), str(data["description"][row]),
                                       float(thresholds[row]))
                 for row, theme in enumerate(data["ids"])}
    return {t.id: heads[t.id] for t in themes if t.id in heads and heads[t.id].description == t.description}


def taught_heads_path(taxonomy: str | Path) -> Path:
    """Heads trained on an analyst's marks live beside the taxonomy they were taught with."""
    return Path(taxonomy).with_suffix(".heads.npz")


def scoring_rules(model: str, themes: list[Theme], taxonomy: str | Path | None = None
                  ) -> tuple[dict[str, float], dict[str, ThemeHead]]:
    """The thresholds and heads a taxonomy tags with: the calibrated thresholds and shipped heads,
    then heads taught beside the taxonomy (diplodash.teaching), then each theme's own taught
    threshold, which applies to whatever scores the theme."""
    thresholds = load_thresholds(model)
    heads = load_heads(model, themes)
    if taxonomy is not None and taught_heads_path(taxonomy).exists():
        heads.update(load_heads(model, themes, taught_heads_path(taxonomy)))
    for theme in themes:
        if theme.threshold is not None:
            thresholds[theme.id] = theme.threshold
            if theme.id in heads:
                heads[theme.id] = replace(heads[theme.id], threshold=theme.threshold)
    return thresholds, heads


def save_heads(path: str | Path, model: str, heads: dict[str, ThemeHead]) -> None:
    ids = list(heads)
    np.savez(path, model=np.array(model), ids=np.array(ids), description=np.array([heads[i].description for i in ids]),
             weights=np.stack([heads[i].weights for i in ids]).astype(np.float32),
             similarity_weight=np.array([heads[i].similarity_weight for i in ids]),
             keyword_weight=np.array([heads[i].keyword_weight for i in ids]),
             bias=np.array([heads[i].bias for i in ids]), threshold=np.array([heads[i].threshold for i in ids]))


def train_heads(themes: list[Theme], embeddings: np.ndarray, similarity: np.ndarray, hits: np.ndarray,
                labels: np.ndarray, regularisation: float = 10.0, min_positives: int = 10,
                context: np.ndarray | None = None) -> dict[str, ThemeHead]:
    """One logistic head per theme with at least `min_positives` labelled paragraphs (labels: N x T),
    over the paragraph vectors and, when given, their context (paragraph_context)."""
    from sklearn.linear_model import LogisticRegression

    heads = {}
    vectors = embeddings if context is None else np.hstack([embeddings, context])
    for column, theme in enumerate(themes):
        if labels[:, column].sum() < min_positives:
            continue
        features = np.column_stack([vectors, similarity[:, column], hits[:, column]])
        model = LogisticRegression(C=regularisation, max_iter=5000, class_weight="balanced")
        model.fit(features, labels[:, column].astype(bool))
        weights = model.coef_[0]
        heads[theme.id] = ThemeHead(weights[:-2].astype(np.float32), float(weights[-2]), float(weights[-1]),
                                    float(model.intercept_[0]), theme.description)
    return heads


class ThemeScorer:
    """Scores paragraphs against every theme of a taxonomy, from their stored vectors."""

    def __init__(self, themes: list[Theme], embedder, cache: EmbeddingCache | None = None,
                 thresholds: dict[str, float] | None = None, heads: dict[str, ThemeHead] | None = None):
        self.themes = themes
        self.heads = heads or {}
        self.embedder, self.cache = embedder, cache
        self.thresholds = np.array([self.heads[t.id].threshold if t.id in self.heads
                                    else (thresholds or {}).get(t.id, DEFAULT_THRESHOLD) for t in themes], dtype=np.float32)
        texts = sorted({s for t in themes for s in [t.description, *t.examples, *t.counter_examples]})
        vectors = _embed_with_cache(texts, embedder, cache)
        self._positive = [np.stack([vectors[s] for s in [t.description, *t.examples]]) for t in themes]
        self._negative = [np.stack([vectors[s] for s in t.counter_examples]) if t.counter_examples else None
                          for t in themes]

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def needs_context(self, dim: int) -> bool:
        return any(head.uses_context(dim) for head in self.heads.values())

    def title_vectors(self, titles: pd.Series) -> np.ndarray:
        """The vectors of the paragraphs' article titles (zeros for none), each distinct title embedded once."""
        titles = titles.fillna("").astype(str).str.strip()
        distinct = sorted(set(titles) - {""})
        vectors = _embed_with_cache(distinct, self.embedder, self.cache) if distinct else {}
        dim = len(next(iter(vectors.values()))) if vectors else int(self.embedder.dim)
        zero = np.zeros(dim, dtype=np.float32)
        return np.stack([vectors.get(t, zero) for t in titles]) if len(titles) else np.zeros((0, dim), np.float32)

    def scores(self, embeddings: np.ndarray, texts: pd.Series, context: np.ndarray | None = None) -> np.ndarray:
        """N x T matrix of theme scores: a head's probability where the theme has one, else the
        similarity score. Heads trained with context need `context` (paragraph_context)."""
        embeddings = np.asarray(embeddings, dtype=np.float32)
        similarity, hits = self.similarity(embeddings, texts)
        scores = similarity.copy()
        for column, theme in enumerate(self.themes):
            if theme.id in self.heads:
                scores[:, column] = self.heads[theme.id].probability(embeddings, similarity[:, column], hits[:, column],
                                                                     context)
        return scores

    def similarity(self, embeddings: np.ndarray, texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """N x T similarity scores (keyword bonus included) and N x T keyword hits."""
        embeddings = np.asarray(embeddings, dtype=np.float32)
        # Arrow-backed strings run the keyword patterns in RE2; Python's re backtracks on them (15 s
        # instead of 0.2 s for 5,000 paragraphs).
        texts = texts.astype("string[pyarrow]")
        result = np.zeros((len(embeddings), len(self.themes)), dtype=np.float32)
        keyword_hits = np.zeros((len(embeddings), len(self.themes)), dtype=bool)
        for column, theme in enumerate(self.themes):
            to_examples = embeddings @ self._positive[column].T
            best = to_examples.max(axis=1)
            score = 0.5 * best + 0.5 * to_examples.mean(axis=1)
            if self._negative[column] is not None:
                closest_counter = (embeddings @ self._negative[column].T).max(axis=1)
                score -= np.clip(closest_counter - best, 0, None)
            if theme.keyword_pattern:
                keyword_hits[:, column] = texts.str.contains(theme.keyword_pattern, case=False, regex=True, na=False).to_numpy()
                score += KEYWORD_BONUS * keyword_hits[:, column]
            result[:, column] = score
        return result, keyword_hits

    def tag(self, scores: np.ndarray) -> list[list[str]]:
        above = scores >= self.thresholds
        ids = np.array(self.ids, dtype=object)
        return [list(ids[row]) for row in above]


def _embed_with_cache(texts: list[str], embedder, cache: EmbeddingCache | None) -> dict[str, np.ndarray]:
    vectors, missing = {}, []
    for text in texts:
        vector = cache.get(text_key(text)) if cache is not None else None
        if vector is None:
            missing.append(text)
        else:
            vectors[text] = vector
    if missing:
        encoded = embedder.encode(missing)
        if cache is not None:
            cache.add([text_key(t) for t in missing], encoded)
        vectors.update(zip(missing, encoded))
    return vectors


def tag_paragraphs(paragraphs: pd.DataFrame, embeddings: np.ndarray, scorer: ThemeScorer,
                   titles: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The paragraphs with a `themes` column, and the long table of scores (paragraph_id, theme, score).
    `titles`: each paragraph's article title, for heads that read context."""
    context = None
    if scorer.needs_context(np.asarray(embeddings).shape[1]):
        titles = titles if titles is not None else pd.Series([""] * len(paragraphs))
        context = paragraph_context(paragraphs, embeddings, scorer.title_vectors(pd.Series(list(titles))))
    scores = scorer.scores(embeddings, paragraphs["text"], context)
    tagged = paragraphs.copy()
    tagged["themes"] = scorer.tag(scores)
    rows, columns = np.nonzero((scores >= SCORE_FLOOR) | (scores >= scorer.thresholds))  # every tag is stored
    long = pd.DataFrame({"paragraph_id": paragraphs["paragraph_id"].to_numpy()[rows],
                         "theme": np.array(scorer.ids, dtype=object)[columns],
                         "score": scores[rows, columns].round(4)})
    long["tagged"] = scores[rows, columns] >= scorer.thresholds[columns]
    return tagged, long


def calibrate(scores: np.ndarray, labels: np.ndarray, ids: list[str], default: float = DEFAULT_THRESHOLD) -> dict[str, float]:
    """Per theme, the threshold that maximises F1 on labelled rows (scores and labels are N x T)."""
    thresholds = {}
    for column, theme in enumerate(ids):
        truth = labels[:, column].astype(bool)
        if truth.sum() == 0:
            thresholds[theme] = default
            continue
        candidates = np.unique(scores[:, column])  # unrounded: a threshold rounded up would drop its own row
        best, best_f1 = default, -1.0
        for threshold in candidates:
            predicted = scores[:, column] >= threshold
            tp = np.sum(predicted & truth)
            f1 = 2 * tp / (predicted.sum() + truth.sum()) if predicted.sum() + truth.sum() else 0.0
            if f1 > best_f1 + 1e-9:
                best, best_f1 = float(threshold), f1
        # Halfway down to the next lower score generalises better than the exact boundary.
        lower = candidates[candidates < best]
        thresholds[theme] = round(float((best + lower.max()) / 2) if len(lower) else best, 4)
    return thresholds
