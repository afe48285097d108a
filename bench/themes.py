"""Theme tagging against the hand-labelled gold set (bench/gold/themes.csv).

    .venv/bin/python bench/themes.py [--write-thresholds] [--bertopic]

Thresholds are calibrated on the `calibration` half and every figure is measured on the `test`
half: per-theme precision / recall / F1 and macro-F1 for DiploDash, a keyword-only baseline and
(with --bertopic, needs requirements-bench.txt) BERTopic zero-shot topic modelling; and, as the
human ceiling, a second annotator's blind labels of the test half against the gold labels.
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
CACHE = ROOT / "bench" / "out" / "cache"


def gold_paragraphs():
    """The labelled paragraphs (text from ../shared), their labels and split."""
    from diplodash.build import collect
    from diplodash.text import digest

    with open(GOLD, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    keys = {r["key"] for r in rows}
    files = sorted({str(SHARED / k.partition(" row ")[0]) for k in keys})
    articles, paragraphs = collect(files, [])

    def key_of(path):
        file, _, row = path.partition(" row ")
        rel = os.path.relpath(file, SHARED)
        return f"{rel} row {row}" if row else rel

    ids = dict(zip(articles.article_id, articles.path.map(key_of)))
    paragraphs["key"] = paragraphs.article_id.map(ids)
    by_key = paragraphs.set_index(["key", "position"])
    texts, labels, splits, drift = [], [], [], 0
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
        splits.append(row["split"])
    return texts, labels, np.array(splits), drift


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
    parser.add_argument("--write-thresholds", action="store_true", help="save the calibrated thresholds to data/")
    parser.add_argument("--bertopic", action="store_true", help="also run BERTopic zero-shot (bench-only dependency)")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"skipped: {SHARED} is missing")
    import yaml

    from diplodash.embeddings import Embedder, EmbeddingCache
    from diplodash.build import embed
    from diplodash.themes import DEFAULT_THRESHOLDS, ThemeScorer, calibrate, load_taxonomy

    texts, labels, splits, drift = gold_paragraphs()
    themes = load_taxonomy()
    ids = [t.id for t in themes]
    truth = np.array([[theme in row for theme in ids] for row in labels])
    embedder = Embedder()
    cache = EmbeddingCache(CACHE, embedder.name).load()
    embeddings, _ = embed(texts, embedder, cache)
    import pandas as pd

    scorer = ThemeScorer(themes, embedder, cache)
    scores = scorer.scores(embeddings, pd.Series(texts))
    calibration, test = splits == "calibration", splits == "test"
    thresholds = calibrate(scores[calibration], truth[calibration], ids)
    diplodash_predicted = scores >= np.array([thresholds[i] for i in ids])
    keyword_predicted = np.column_stack([
        pd.Series(texts).str.contains(t.keyword_pattern, case=False, regex=True).to_numpy() if t.keyword_pattern
        else np.zeros(len(texts), bool) for t in themes])
    systems = {"DiploDash": diplodash_predicted, "keywords only": keyword_predicted}
    if args.bertopic:
        # BERTopic's one knob for zero-shot assignment, chosen on the calibration half like ours.
        best = max((macro_f1(bertopic_zero_shot(texts, themes, embeddings, embedder, s), truth, calibration), s)
                   for s in (0.3, 0.4, 0.5, 0.6))
        systems[f"BERTopic zero-shot {best[1]}"] = bertopic_zero_shot(texts, themes, embeddings, embedder, best[1])

    print(f"# bench/themes.py  {time.strftime('%Y-%m-%d %H:%M')}  gold: {len(texts)} paragraphs "
          f"({calibration.sum()} calibration, {test.sum()} test){f', {drift} skipped (changed since labelling)' if drift else ''}")
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
    print("thresholds (calibration half): " + ", ".join(f"{k} {v:.3f}" for k, v in thresholds.items()))
    if args.write_thresholds:
        existing = yaml.safe_load(DEFAULT_THRESHOLDS.read_text()) if DEFAULT_THRESHOLDS.exists() else {}
        existing[embedder.name] = thresholds
        DEFAULT_THRESHOLDS.write_text("# Written by bench/themes.py --write-thresholds: per model, the threshold per theme\n"
                                      "# that maximised F1 on the calibration half of bench/gold/themes.csv.\n"
                                      + yaml.safe_dump(existing, sort_keys=True))
        print(f"wrote {DEFAULT_THRESHOLDS}")


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
