"""Theme tagging measured on text it was not trained on.

    .venv/bin/python bench/themes.py [--train]

The labels (bench/gold/, labels only, the text is read from ../shared; rules in
themes-guidelines.md):
- the training pool: themes-campaign2-train-*.csv (2,326 paragraphs of the second campaign),
  themes-train.csv and themes.csv (1,707 of the first). Split by article, on a salted hash of the
  article's key: 70 % train, 15 % validation (the regularisation and each theme's threshold are
  chosen there, never on a test set), 15 % test;
- the fresh set: themes-campaign2-fresh.csv, 320 paragraphs of articles no other label file
  uses, labelled by two annotators independently (-a, -b) and adjudicated.

Prints, per theme and macro, P/R/F1 on the test split and on the fresh set, with the positives
behind each figure, for DiploDash (the heads data/theme_heads.npz holds), for heads trained now on
the train split (a logistic head per theme over the paragraph's vector and its similarity and
keyword scores, with and without context: the previous paragraph's vector and the article
title's), similarity only and keywords only; and each annotator against the adjudicated fresh
labels (the ceiling). The shipped heads were trained on the first campaign's labels, some of which
fall in this test split: their test figure flatters them, the fresh set does not.
--train writes data/theme_heads.npz (heads and their thresholds): the variant, with or without
context, that scores better on validation. Vectors are cached in
bench/out/cache (the first run embeds ~12,000 texts, about 8 minutes).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
GOLD = ROOT / "bench" / "gold"
CACHE = ROOT / "bench" / "out" / "cache"
FRESH = GOLD / "themes-campaign2-fresh.csv"
POOL = [*sorted(GOLD.glob("themes-campaign2-train-*.csv")), GOLD / "themes-train.csv", GOLD / "themes.csv"]
REGULARISATION = (0.3, 1.0, 3.0, 10.0)


def label_key(path: str, root) -> str:
    """How a label file names an article: its file relative to `root`, plus " row N" inside a table."""
    file, _, row = path.partition(" row ")
    relative = os.path.relpath(file, root)
    return f"{relative} row {row}" if row else relative


def split_of(key: str) -> str:
    share = int(hashlib.sha1(f"split:{key}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "train" if share < 0.70 else "validation" if share < 0.85 else "test"


def read_labels(paths) -> list[dict]:
    rows = []
    for path in paths:
        with open(path, encoding="utf-8", newline="") as handle:
            rows += [{**row, "themes": {t for t in (row["themes"] or "").split(";") if t}} for row in csv.DictReader(handle)]
    return rows


def labelled_paragraphs(rows: list[dict]) -> tuple[list[dict], int]:
    """The labelled rows with their text, the previous paragraph of their article and its title."""
    from diplodash.build import collect
    from diplodash.text import digest

    files = sorted({str(SHARED / r["key"].partition(" row ")[0]) for r in rows})
    articles, paragraphs = collect(files, [])
    keys = dict(zip(articles.article_id, articles.path.map(lambda path: label_key(path, SHARED))))
    titles = dict(zip(articles.article_id, articles.title.fillna("")))
    at = {(keys[a], int(p)): (t, a) for a, p, t in zip(paragraphs.article_id, paragraphs.position, paragraphs.text)}
    found, drift = [], 0
    for row in rows:
        text, article = at.get((row["key"], int(row["position"])), (None, None))
        # The second campaign hashes with blake2b-16, the first with blake2b-4: either must match.
        if text is None or row["text_hash"] not in (digest(text)[:8], digest(text, 4)):
            drift += 1
            continue
        previous = at.get((row["key"], int(row["position"]) - 1), ("", None))[0]
        found.append({**row, "text": text, "previous": previous, "title": titles[article]})
    return found, drift


def report(predicted, truth, mask):
    """Per theme (positives, precision, recall, F1) and the macro-F1 over themes with positives."""
    rows, f1s = [], []
    for column in range(truth.shape[1]):
        t, p = truth[mask, column], predicted[mask, column]
        support, tp = int(t.sum()), int((t & p).sum())
        precision = tp / p.sum() if p.sum() else float(support == 0)
        recall = tp / support if support else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if support and precision + recall else (0.0 if support else float("nan"))
        rows.append((support, precision, recall, f1))
        if support:
            f1s.append(f1)
    return rows, float(np.mean(f1s))


def best_thresholds(probabilities, truth) -> np.ndarray:
    """Per theme, the threshold with the best F1 on the validation rows given."""
    grid = np.arange(0.10, 0.951, 0.025)
    chosen = []
    for column in range(truth.shape[1]):
        f1 = [report((probabilities[:, [column]] >= g), truth[:, [column]], np.ones(len(truth), bool))[1] for g in grid]
        chosen.append(float(grid[int(np.argmax(f1))]))
    return np.array(chosen)


def fit(themes, data, split, with_context: bool):
    """Heads trained on the train split, regularisation and thresholds chosen on validation."""
    from diplodash.themes import train_heads

    train, validation = split == "train", split == "validation"
    context = data["context"] if with_context else None
    best = None
    for regularisation in REGULARISATION:
        heads = train_heads(themes, data["vectors"][train], data["similarity"][train], data["hits"][train],
                            data["truth"][train], regularisation, context=None if context is None else context[train])
        probabilities = head_scores(themes, heads, data, with_context)
        thresholds = best_thresholds(probabilities[validation], data["truth"][validation])
        score = report(probabilities >= thresholds, data["truth"], validation)[1]
        if best is None or score > best[0]:
            best = (score, regularisation, heads, thresholds)
    score, regularisation, heads, thresholds = best
    for theme, threshold in zip(themes, thresholds):
        if theme.id in heads:
            heads[theme.id].threshold = float(threshold)
    return heads, regularisation, score


def head_scores(themes, heads, data, with_context: bool) -> np.ndarray:
    return np.column_stack([heads[t.id].probability(data["vectors"], data["similarity"][:, c], data["hits"][:, c],
                                                    data["context"] if with_context else None)
                            if t.id in heads else data["similarity"][:, c] for c, t in enumerate(themes)])


MARKS = (0, 10, 20, 40, 80, 160)


def _threshold_on(scores: np.ndarray, labels: np.ndarray) -> float:
    """The threshold with the best F1 on the marked paragraphs themselves."""
    best, chosen = -1.0, float(np.median(scores))
    for threshold in np.unique(scores):
        kept = scores >= threshold
        f1 = 2 * (kept & labels).sum() / max(kept.sum() + labels.sum(), 1)
        if f1 > best:
            best, chosen = f1, float(threshold)
    return chosen


def marks_curve(themes, data, split, repeats: int = 3) -> None:
    """How a taught theme improves as an analyst marks paragraphs (#18): per theme, N marks drawn from
    the train split among the 4N paragraphs closest to the theme's description (what the Themes
    page shows first to mark), labelled from the gold; F1 on the fresh set, macro over themes, mean
    of `repeats` draws. Two ways to learn from the marks: a logistic head on the marks alone
    (tagging at 0.5: the analyst has no validation split), and the similarity score with its
    threshold chosen on the marks. N = 0 is the similarity score at the default threshold, what a
    new theme gets before any mark. Third, what the Themes page does (diplodash.teaching): of "as
    it is", the threshold and (from 10 marks of each kind) the head, the way that agrees best with
    the marks, cross-validated. 2026-12-01: 0 marks 0.501; 10: head 0.244, threshold 0.342,
    DiploDash 0.496; 20: 0.172 / 0.412 / 0.515; 40: 0.175 / 0.555 / 0.540; 80: 0.505 / 0.626 /
    0.618; 160: 0.615 / 0.626 / 0.622. Few marks drawn from the closest paragraphs mislead both
    fitted ways; cross-validation sees it and keeps the theme as it is until the marks agree."""
    from diplodash.teaching import ThemeScores, lesson_from
    from diplodash.themes import DEFAULT_THRESHOLD, train_heads

    fresh, train = split == "fresh", np.flatnonzero(split == "train")
    vectors, truth = data["vectors"], data["truth"]
    ways = ("head", "threshold", "DiploDash (cross-validated)")
    print(f"\n## a theme taught by marks: macro-F1 on the fresh set ({fresh.sum()} paragraphs), mean of {repeats} draws")
    print(f"{'marks per theme':>16}" + "".join(f"{way:>30}" for way in ways))
    for count in MARKS:
        rng = np.random.default_rng(count)
        scores = {way: [] for way in ways}
        for _ in range(repeats if count else 1):
            predicted = {way: np.zeros((fresh.sum(), len(themes)), dtype=bool) for way in ways}
            for column, theme in enumerate(themes):
                similarity = data["similarity"][:, column]
                baseline = similarity[fresh] >= DEFAULT_THRESHOLD
                shown = train[np.argsort(-similarity[train])[: 4 * count]]
                marked = rng.choice(shown, size=min(count, len(shown)), replace=False) if count else shown
                labels = truth[marked, column]
                if not count or labels.all() or not labels.any():  # one kind of mark only: nothing to learn yet
                    for way in ways:
                        predicted[way][:, column] = baseline
                    continue
                head = train_heads([theme], vectors[marked], similarity[marked][:, None], data["hits"][marked][:, [column]],
                                   labels[:, None], 1.0, min_positives=1)[theme.id]
                predicted["head"][:, column] = head.probability(vectors[fresh], similarity[fresh],
                                                                data["hits"][fresh, column]) >= 0.5
                predicted["threshold"][:, column] = similarity[fresh] >= _threshold_on(similarity[marked], labels)
                # what the Themes page does with the same marks (diplodash.teaching): the way that agrees best with them
                scored = ThemeScores(similarity, data["hits"][:, column], similarity, DEFAULT_THRESHOLD, None)
                lesson = lesson_from(theme, scored, vectors, marked, labels)
                predicted[ways[2]][:, column] = (
                    lesson.head.probability(vectors[fresh], similarity[fresh], data["hits"][fresh, column]) >= lesson.head.threshold
                    if lesson.head is not None else similarity[fresh] >= lesson.threshold)
            for way in ways:
                scores[way].append(report(predicted[way], truth[fresh], np.ones(fresh.sum(), bool))[1])
        print(f"{count:>16}" + "".join(f"{np.mean(scores[way]):>30.3f}" for way in ways))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", action="store_true", help="write the heads that score best on validation to data/theme_heads.npz")
    parser.add_argument("--marks", action="store_true", help="only the curve of a theme taught by marks (#18)")
    parser.add_argument("--multilingual", action="store_true",
                        help="only the multilingual space (#20): English and Chinese labels scored with USE v3")
    parser.add_argument("--write-thresholds", action="store_true",
                        help="with --multilingual: write its thresholds (chosen on English validation) to data/theme_thresholds.yaml")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"skipped: {SHARED} is missing")
    import pandas as pd

    from diplodash.build import embed
    from diplodash.embeddings import Embedder, EmbeddingCache
    from diplodash.themes import DEFAULT_HEADS, ThemeScorer, calibrate, load_heads, load_taxonomy, save_heads

    themes = load_taxonomy()
    ids = [t.id for t in themes]
    rows, drift = labelled_paragraphs(read_labels([FRESH]) + read_labels(POOL))
    fresh_keys = {(r["key"], r["position"]) for r in read_labels([FRESH])}
    split = np.array(["fresh" if (r["key"], r["position"]) in fresh_keys else split_of(r["key"]) for r in rows])
    embedder = Embedder()
    cache = EmbeddingCache(CACHE, embedder.name).load()
    vectors = embed([r["text"] for r in rows], embedder, cache)[0]
    previous = embed([r["previous"] or "." for r in rows], embedder, cache)[0]
    previous[[not r["previous"] for r in rows]] = 0
    scorer = ThemeScorer(themes, embedder, cache)
    titles = scorer.title_vectors(pd.Series([r["title"] for r in rows]))
    similarity, hits = scorer.similarity(vectors, pd.Series([r["text"] for r in rows]))
    data = {"vectors": vectors, "context": np.hstack([previous, titles]), "similarity": similarity, "hits": hits,
            "truth": np.array([[t in r["themes"] for t in ids] for r in rows]), "model": embedder.name}
    if args.marks:
        marks_curve(themes, data, split)
        return
    if args.multilingual:
        multilingual_report(themes, rows, data, split, args.write_thresholds)
        return

    heads, regularisation, context_score = fit(themes, data, split, with_context=True)
    plain_heads, plain_regularisation, plain_score = fit(themes, data, split, with_context=False)
    shipped = load_heads(embedder.name, themes)
    validation = split == "validation"
    similarity_thresholds = calibrate(similarity[validation], data["truth"][validation], ids)
    def tagged(heads, with_context):
        return head_scores(themes, heads, data, with_context) >= np.array([heads[i].threshold if i in heads else 0.5
                                                                           for i in ids])
    systems = {
        "DiploDash": tagged(shipped, True),  # the heads data/theme_heads.npz holds
        "now, context": tagged(heads, True),
        "now, no context": tagged(plain_heads, False),
        "similarity only": similarity >= np.array([similarity_thresholds[i] for i in ids]),
        "keywords only": hits,
    }
    counts = {name: int((split == name).sum()) for name in ("train", "validation", "test", "fresh")}
    print(f"# bench/themes.py  {time.strftime('%Y-%m-%d %H:%M')}  {len(rows)} labelled paragraphs: "
          + ", ".join(f"{n} {name}" for name, n in counts.items())
          + (f"; {drift} skipped (text changed since labelling)" if drift else ""))
    chosen = "with context" if context_score > plain_score else "without context"
    print(f"heads: C={regularisation} with context (validation macro-F1 {context_score:.3f}), C={plain_regularisation} "
          f"without ({plain_score:.3f}): --train saves the heads {chosen}")
    for name in ("test", "fresh"):
        mask = split == name
        results = {system: report(predicted, data["truth"], mask) for system, predicted in systems.items()}
        print(f"\n## {name} ({mask.sum()} paragraphs)\n{'theme':<19}{'pos':>5}{'train':>7}"
              + "".join(f"{system[:16]:>18}" for system in systems))
        print(f"{'':<31}" + "".join(f"{'P    R    F1':>18}" for _ in systems))
        for column, theme in enumerate(ids):
            line = f"{theme:<19}{results['DiploDash'][0][column][0]:>5}{int(data['truth'][split == 'train', column].sum()):>7}"
            for system in systems:
                support, p, r, f = results[system][0][column]
                line += f"{'':>4}{p:4.2f} {r:4.2f} {f:4.2f}" if support else f"{'-':>18}"
            print(line)
        print(f"{'macro-F1':<31}" + "".join(f"{results[system][1]:>18.3f}" for system in systems))
    print("\nannotators on the fresh set against the adjudicated labels (the ceiling): "
          + ", ".join(f"{who} {annotator_f1(who, ids):.3f}" for who in ("a", "b")))
    print("thresholds (validation): " + ", ".join(f"{t} {heads[t].threshold:.3f}" for t in ids if t in heads))
    if args.train:
        save_heads(DEFAULT_HEADS, embedder.name, heads if context_score > plain_score else plain_heads)
        print(f"wrote {DEFAULT_HEADS}")


CHINESE = GOLD / "themes-zh.csv"


def multilingual_report(themes, rows, data, split, write: bool) -> None:
    """Themes in the multilingual space (diplodash.multilingual): each theme's sentences and the
    paragraphs embedded by USE v3, similarity scored as in the primary space, one threshold per
    theme chosen on the English validation split (the Chinese labels are never used to choose);
    macro-F1 on the English test and fresh sets and on the Chinese set (bench/gold/themes-zh.csv,
    160 paragraphs of 14 press conferences of 2020-2024, two annotators and an adjudication),
    beside the primary model's shipped scoring on the same English rows."""
    from diplodash.embeddings import EmbeddingCache
    from diplodash.multilingual import MODEL, MultilingualEncoder, embed
    from diplodash.themes import DEFAULT_THRESHOLDS, ThemeScorer, calibrate, load_heads

    ids = [t.id for t in themes]
    encoder = MultilingualEncoder()
    scorer = ThemeScorer(themes, encoder, EmbeddingCache(CACHE, MODEL).load())
    english = embed([r["text"] for r in rows], CACHE)[0]
    similarity, _ = scorer.similarity(english, pd_series([r["text"] for r in rows]))
    validation = split == "validation"
    thresholds = calibrate(similarity[validation], data["truth"][validation], ids)
    cutoffs = np.array([thresholds[i] for i in ids])
    chinese, drift = labelled_paragraphs(read_labels([CHINESE]))
    zh_vectors = embed([r["text"] for r in chinese], CACHE)[0]
    zh_similarity, _ = scorer.similarity(zh_vectors, pd_series([r["text"] for r in chinese]))
    zh_truth = np.array([[t in r["themes"] for t in ids] for r in chinese])
    shipped = load_heads(data["model"], themes)
    primary = head_scores(themes, shipped, data, True) >= np.array([shipped[i].threshold if i in shipped else 0.5 for i in ids])
    print(f"# bench/themes.py --multilingual  {time.strftime('%Y-%m-%d %H:%M')}  thresholds chosen on the English "
          f"validation split ({validation.sum()} paragraphs); {len(chinese)} Chinese paragraphs"
          + (f" ({drift} skipped: text changed)" if drift else ""))
    print(f"{'set':<34}{'primary (shipped)':>20}{'USE v3 similarity':>20}")
    for name in ("test", "fresh"):
        mask = split == name
        print(f"{'English ' + name + f' ({mask.sum()})':<34}{report(primary, data['truth'], mask)[1]:>20.3f}"
              f"{report(similarity >= cutoffs, data['truth'], mask)[1]:>20.3f}")
    everything = np.ones(len(chinese), dtype=bool)
    per_theme, macro = report(zh_similarity >= cutoffs, zh_truth, everything)
    print(f"{f'Chinese ({len(chinese)})':<34}{'-':>20}{macro:>20.3f}")
    print("Chinese per theme (positives P R F1): " + "; ".join(
        f"{i} {n} {p:.2f} {r:.2f} {f:.2f}" for i, (n, p, r, f) in zip(ids, per_theme) if n))
    a = read_labels([GOLD / "themes-zh-a.csv"])
    b = read_labels([GOLD / "themes-zh-b.csv"])
    truth = np.array([[t in r["themes"] for t in ids] for r in read_labels([CHINESE])])
    for who, labels in (("a", a), ("b", b)):
        own = np.array([[t in r["themes"] for t in ids] for r in labels])
        print(f"annotator {who} against the adjudicated Chinese labels: macro-F1 {report(own, truth, np.ones(len(own), bool))[1]:.3f}")
    if write:
        import yaml

        path = Path(DEFAULT_THRESHOLDS)
        data_file = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        data_file[MODEL] = {i: float(thresholds[i]) for i in ids}
        header = "".join(line + "\n" for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#"))
        path.write_text(header + yaml.safe_dump(data_file, sort_keys=True), encoding="utf-8")
        print(f"wrote the {MODEL} thresholds to {path}")


def pd_series(texts):
    import pandas as pd

    return pd.Series(texts)


def annotator_f1(who: str, ids) -> float:
    """Macro-F1 of one fresh-set annotator's own labels against the adjudicated ones."""
    final = {(r["key"], r["position"]): r["themes"] for r in read_labels([FRESH])}
    own = {(r["key"], r["position"]): r["themes"] for r in read_labels([GOLD / f"themes-campaign2-fresh-{who}.csv"])}
    keys = sorted(final)
    truth = np.array([[t in final[k] for t in ids] for k in keys])
    labels = np.array([[t in own[k] for t in ids] for k in keys])
    return report(labels, truth, np.ones(len(keys), bool))[1]


if __name__ == "__main__":
    main()
