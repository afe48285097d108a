"""Theme tagging against the hand-labelled gold set (bench/gold/themes.csv).

    .venv/bin/python bench/themes.py [--train] [--write-thresholds] [--cv] [--bertopic]

Similarity thresholds are calibrated on the gold `calibration` half; the theme heads are trained
(--train writes data/theme_heads.npz) on that half plus bench/gold/themes-train.csv, 1,345 more
labelled paragraphs from articles outside the test half. Every figure is measured on the gold
`test` half: per-theme precision / recall / F1 and macro-F1 for DiploDash, for its similarity
scores alone, for a keyword-only baseline and (with --bertopic, needs requirements-bench.txt) for
BERTopic zero-shot topic modelling; and, as the human ceiling, a second annotator's blind labels
of the test half against the gold labels. --cv adds a larger but same-annotator check: 5-fold
cross-validation, folds by article, over all training labels.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
GOLD = ROOT / "bench" / "gold" / "themes.csv"
TRAIN = ROOT / "bench" / "gold" / "themes-train.csv"
CACHE = ROOT / "bench" / "out" / "cache"


def label_key(path: str, root) -> str:
    """How a label file names an article: its file relative to `root`, plus " row N" inside a table."""
    file, _, row = path.partition(" row ")
    relative = os.path.relpath(file, root)
    return f"{relative} row {row}" if row else relative


def gold_paragraphs(path: Path = GOLD):
    """The labelled paragraphs (text from ../shared), their labels, split and article key."""
    from diplodash.build import collect
    from diplodash.text import digest

    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    keys = {r["key"] for r in rows}
    files = sorted({str(SHARED / k.partition(" row ")[0]) for k in keys})
    articles, paragraphs = collect(files, [])

    ids = dict(zip(articles.article_id, articles.path.map(lambda path: label_key(path, SHARED))))
    paragraphs["key"] = paragraphs.article_id.map(ids)
    by_key = paragraphs.set_index(["key", "position"])
    texts, labels, splits, articles_of, drift = [], [], [], [], 0
    for row in rows:
        try:
            text = by_key.loc[(row["key"], int(row["position"])), "text"]
        except KeyError:
            drift += 1
            continue
        if digest(text, 4) != row["text_hash"]:
            drift += 1
            continue
        texts.append(text)
        labels.append([t for t in row["themes"].split(";") if t])
        splits.append(row.get("split", "train"))
        articles_of.append(row["key"])
    return texts, labels, np.array(splits), articles_of, drift


def report(name, predicted, truth, ids, mask):
    rows, f1s = [], []
    for column, theme in enumerate(ids):
        t, p = truth[mask, column], predicted[mask, column]
        support = int(t.sum())
        tp = int((t & p).sum())
        precision = tp / p.sum() if p.sum() else (1.0 if support == 0 else 0.0)
        recall = tp / support if support else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if support and precision + recall else (0.0 if support else float("nan"))
        rows.append((theme, support, precision, recall, f1))
        if support:
            f1s.append(f1)
    return rows, float(np.mean(f1s))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", action="store_true", help="train the theme heads and save them to data/")
    parser.add_argument("--write-thresholds", action="store_true", help="save the calibrated thresholds to data/")
    parser.add_argument("--cv", action="store_true", help="also cross-validate on all training labels, folds by article")
    parser.add_argument("--bertopic", action="store_true", help="also run BERTopic zero-shot (bench-only dependency)")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"skipped: {SHARED} is missing")
    import pandas as pd
    import yaml

    from diplodash.build import embed
    from diplodash.embeddings import Embedder, EmbeddingCache
    from diplodash.themes import (DEFAULT_HEADS, DEFAULT_THRESHOLDS, ThemeScorer, calibrate, load_heads, load_taxonomy,
                                  save_heads, train_heads)

    texts, labels, splits, articles, drift = gold_paragraphs()
    extra_texts, extra_labels, _, extra_articles, extra_drift = gold_paragraphs(TRAIN)
    themes = load_taxonomy()
    ids = [t.id for t in themes]
    truth = np.array([[theme in row for theme in ids] for row in labels])
    extra_truth = np.array([[theme in row for theme in ids] for row in extra_labels])
    embedder = Embedder()
    cache = EmbeddingCache(CACHE, embedder.name).load()
    embeddings, _ = embed(texts, embedder, cache)
    extra_embeddings, _ = embed(extra_texts, embedder, cache)

    calibration, test = splits == "calibration", splits == "test"
    similarity_scorer = ThemeScorer(themes, embedder, cache)
    similarity, hits = similarity_scorer.similarity(embeddings, pd.Series(texts))
    extra_similarity, extra_hits = similarity_scorer.similarity(extra_embeddings, pd.Series(extra_texts))
    thresholds = calibrate(similarity[calibration], truth[calibration], ids)
    training = (np.vstack([extra_embeddings, embeddings[calibration]]), np.vstack([extra_similarity, similarity[calibration]]),
                np.vstack([extra_hits, hits[calibration]]), np.vstack([extra_truth, truth[calibration]]))
    heads = train_heads(themes, *training) if args.train else load_heads(embedder.name, themes)
    scorer = ThemeScorer(themes, embedder, cache, thresholds, heads)
    diplodash_predicted = scorer.scores(embeddings, pd.Series(texts)) >= scorer.thresholds
    systems = {"DiploDash": diplodash_predicted, "similarity only": similarity >= np.array([thresholds[i] for i in ids]),
               "keywords only": hits}
    if args.bertopic:
        # BERTopic's one knob for zero-shot assignment, chosen on the calibration half like ours.
        best = max((macro_f1(bertopic_zero_shot(texts, themes, embeddings, embedder, s), truth, calibration), s)
                   for s in (0.3, 0.4, 0.5, 0.6))
        systems[f"BERTopic zero-shot {best[1]}"] = bertopic_zero_shot(texts, themes, embeddings, embedder, best[1])

    skipped = drift + extra_drift
    print(f"# bench/themes.py  {time.strftime('%Y-%m-%d %H:%M')}  gold: {len(texts)} paragraphs "
          f"({calibration.sum()} calibration, {test.sum()} test); {len(extra_texts)} more training paragraphs"
          f"{f'; {skipped} skipped (changed since labelling)' if skipped else ''}")
    results = {name: report(name, predicted, truth, ids, test) for name, predicted in systems.items()}
    header = f"{'theme':<19}{'test +':>7}" + "".join(f"{name[:18]:>21}" for name in systems)
    print(header + "\n" + f"{'':<26}" + "".join(f"{'P    R    F1':>21}" for _ in systems))
    for column, theme in enumerate(ids):
        line = f"{theme:<19}{results['DiploDash'][0][column][1]:>7}"
        for name in systems:
            _, _, p, r, f = results[name][0][column]
            line += f"{'':>5}{p:4.2f} {r:4.2f} {f:4.2f}" if r == r else f"{'(no test positives)':>21}"
        print(line)
    print(f"{'macro-F1':<26}" + "".join(f"{results[name][1]:>21.3f}" for name in systems))
    print(f"{'second annotator':<26}{second_annotator_agreement(ids):>21.3f}   (blind relabelling of the test half, scored "
          "against the gold labels: the ceiling a tagger can be judged against)")
    print("systems: " + "; ".join(systems))
    print(f"heads ({'trained now' if args.train else DEFAULT_HEADS.name}): {', '.join(heads) or 'none'}")
    print("similarity thresholds (calibration half): " + ", ".join(f"{k} {v:.3f}" for k, v in thresholds.items()))
    sample_similarity, sample_diplodash, n_sample = fictional_sample(embedder, cache, thresholds, heads)
    print(f"fictional sample ({n_sample} paragraphs, data/sample-gold.csv, used for neither training nor calibration): "
          f"similarity only {sample_similarity:.3f}, DiploDash {sample_diplodash:.3f}")
    if args.cv:
        cross_validate(themes, *training, extra_articles + [a for a, c in zip(articles, calibration) if c])
    if args.train:
        save_heads(DEFAULT_HEADS, embedder.name, heads)
        print(f"wrote {DEFAULT_HEADS}")
    if args.write_thresholds:
        existing = yaml.safe_load(DEFAULT_THRESHOLDS.read_text()) if DEFAULT_THRESHOLDS.exists() else {}
        existing[embedder.name] = thresholds
        DEFAULT_THRESHOLDS.write_text("# Written by bench/themes.py --write-thresholds: per model, the threshold per theme\n"
                                      "# that maximised F1 on the calibration half of bench/gold/themes.csv.\n"
                                      + yaml.safe_dump(existing, sort_keys=True))
        print(f"wrote {DEFAULT_THRESHOLDS}")


def fictional_sample(embedder, cache, thresholds, heads) -> tuple[float, float, int]:
    """Macro-F1 of similarity only and of DiploDash on every paragraph of the sample corpus (data/index),
    with the sample's own taxonomy extension (its fictional places as keywords) as the build uses it."""
    import diplodash
    from diplodash.themes import ThemeScorer, load_taxonomy

    index = diplodash.load_index(ROOT / "data" / "index")
    themes = load_taxonomy(None, [ROOT / e for e in index.manifest["themes"]["extensions"]])
    paths = index.articles.set_index("article_id").path
    keys = index.paragraphs.article_id.map(paths.map(lambda path: label_key(path, "data/sample")))
    row_of = {(k, position): row for row, (k, position) in enumerate(zip(keys, index.paragraphs.position))}
    with open(ROOT / "data" / "sample-gold.csv", encoding="utf-8", newline="") as handle:
        gold = list(csv.DictReader(handle))
    rows = [row_of[(g["key"], int(g["position"]))] for g in gold]
    ids = [t.id for t in themes]
    truth = np.array([[t in g["themes"].split(";") for t in ids] for g in gold])
    embeddings, texts = np.asarray(index.embeddings)[rows], index.paragraphs.text.iloc[rows].reset_index(drop=True)
    everything = np.ones(len(rows), bool)
    figures = []
    for with_heads in ({}, heads):
        scorer = ThemeScorer(themes, embedder, cache, thresholds, with_heads)
        figures.append(macro_f1(scorer.scores(embeddings, texts) >= scorer.thresholds, truth, everything))
    return figures[0], figures[1], len(rows)


def cross_validate(themes, embeddings, similarity, hits, truth, articles, folds: int = 5) -> None:
    """Macro-F1 of similarity scores and of heads over all training labels, each fold holding out whole articles."""
    from diplodash.themes import HEAD_THRESHOLD, calibrate, train_heads

    ids = [t.id for t in themes]
    names = sorted(set(articles))
    fold_of = dict(zip(names, np.random.default_rng(0).integers(folds, size=len(names))))
    fold = np.array([fold_of[a] for a in articles])
    by_similarity, by_heads = np.zeros(truth.shape, bool), np.zeros(truth.shape, bool)
    for held_out in range(folds):
        train, test = fold != held_out, fold == held_out
        thresholds = calibrate(similarity[train], truth[train], ids)
        by_similarity[test] = similarity[test] >= np.array([thresholds[i] for i in ids])
        heads = train_heads(themes, embeddings[train], similarity[train], hits[train], truth[train])
        for column, theme in enumerate(ids):
            by_heads[test, column] = (heads[theme].probability(embeddings[test], similarity[test, column], hits[test, column])
                                      >= HEAD_THRESHOLD) if theme in heads else by_similarity[test, column]
    everything = np.ones(len(truth), bool)
    print(f"cross-validated on {len(truth)} training labels ({folds} folds by article): similarity only "
          f"{macro_f1(by_similarity, truth, everything):.3f}, with heads {macro_f1(by_heads, truth, everything):.3f}")


def second_annotator_agreement(ids) -> float:
    """Macro-F1 of a second, blind annotation of the test half (bench/gold/themes-second-annotator.csv)."""
    def labels(path, test_only=False):
        with open(path, encoding="utf-8", newline="") as handle:
            return {(r["key"], r["position"], r["text_hash"]): {t for t in r["themes"].split(";") if t}
                    for r in csv.DictReader(handle) if not test_only or r["split"] == "test"}
    gold, second = labels(GOLD, test_only=True), labels(GOLD.with_name("themes-second-annotator.csv"))
    keys = [k for k in second if k in gold]
    truth = np.array([[t in gold[k] for t in ids] for k in keys])
    other = np.array([[t in second[k] for t in ids] for k in keys])
    return macro_f1(other, truth, np.ones(len(keys), dtype=bool))


def macro_f1(predicted, truth, mask) -> float:
    return report("", predicted, truth, list(range(truth.shape[1])), mask)[1]


def bertopic_zero_shot(texts, themes, embeddings, embedder, min_similarity: float = 0.5) -> np.ndarray:
    """BERTopic with zeroshot_topic_list built from the same descriptions, on the same vectors."""
    from bertopic import BERTopic

    descriptions = [t.description for t in themes]
    model = BERTopic(embedding_model=embedder.model, zeroshot_topic_list=descriptions, zeroshot_min_similarity=min_similarity,
                     min_topic_size=3)
    topics, _ = model.fit_transform(texts, embeddings)
    info = model.get_topic_info()
    names = dict(zip(info.Topic, info.Name))
    predicted = np.zeros((len(texts), len(themes)), dtype=bool)
    for row, topic in enumerate(topics):
        name = names.get(topic, "")
        for column, description in enumerate(descriptions):
            if name == description:
                predicted[row, column] = True
    return predicted


if __name__ == "__main__":
    main()
