"""Speaker attribution against the hand-labelled gold set (bench/gold/speakers.csv).

    .venv/bin/python bench/speakers.py [--failures 30]

Prints precision, recall and F1 for persons and for groups (micro-averaged over
(paragraph, name) pairs), per corpus, and the paragraphs that still fail.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
GOLD = ROOT / "bench" / "gold" / "speakers.csv"


def split_names(cell: str) -> list[str]:
    return [n.strip() for n in (cell or "").split(";") if n.strip()]


def article_key(path: str) -> str:
    file, _, row = path.partition(" row ")
    key = os.path.relpath(file, SHARED)
    return f"{key} row {row}" if row else key


def load_gold(path: Path = GOLD) -> dict[tuple[str, int], dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {(r["key"], int(r["position"])): r for r in csv.DictReader(handle)}


def predict(keys: set[str]):
    """Attribution for every paragraph of the gold articles, keyed like the gold set."""
    from diplodash.build import collect
    from diplodash.speakers import Tables, attribute

    files = sorted({str(SHARED / k.partition(" row ")[0]) for k in keys})
    articles, paragraphs = collect(files, [])
    articles = articles[articles.path.map(article_key).isin(keys)]
    paragraphs = paragraphs[paragraphs.article_id.isin(articles.article_id)]
    tables = Tables.load()
    started = time.perf_counter()
    paragraphs = attribute(articles, paragraphs, tables)
    seconds = time.perf_counter() - started
    paths = dict(zip(articles.article_id, articles.path.map(article_key)))
    predicted = {(paths[r.article_id], r.position): r for r in paragraphs.itertuples()}
    return predicted, tables, seconds, len(paragraphs)


def score(pairs):
    tp = sum(len(g & p) for g, p in pairs)
    fp = sum(len(p - g) for g, p in pairs)
    fn = sum(len(g - p) for g, p in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--failures", type=int, default=40)
    parser.add_argument("--gold", default=str(GOLD), help="labels CSV (default: bench/gold/speakers.csv)")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"skipped: {SHARED} is missing")
    from diplodash.speakers import name_key
    from diplodash.text import digest

    gold = load_gold(Path(args.gold))
    predicted, tables, seconds, n_paragraphs = predict({k for k, _ in gold})
    same = lambda names: {name_key(tables.canonical_name(n)) for n in names}  # noqa: E731
    persons, groups, failures = defaultdict(list), defaultdict(list), []
    drift = 0
    for (key, position), row in sorted(gold.items()):
        corpus = key.split("/")[1] if key.startswith("corpora/") else "seed"
        hit = predicted.get((key, position))
        if hit is None or digest(hit.text, 4) != row["text_hash"]:
            drift += 1
            continue
        pair = (same(split_names(row["speakers"])), same(list(hit.speakers)))
        group_pair = (set(split_names(row["groups"])), set(hit.speaker_groups))
        for bucket in (corpus, "all"):
            persons[bucket].append(pair)
            groups[bucket].append(group_pair)
        if pair[0] != pair[1] or group_pair[0] != group_pair[1]:
            failures.append((key, position, sorted(split_names(row["speakers"])), sorted(hit.speakers),
                             sorted(group_pair[0]), sorted(group_pair[1]), hit.text[:90]))
    print(f"# bench/speakers.py  {time.strftime('%Y-%m-%d %H:%M')}  {Path(args.gold).name}: {len(gold)} paragraphs"
          f"{f', {drift} skipped (paragraph changed since labelling)' if drift else ''}")
    print(f"{'corpus':<22}{'rows':>6}{'P persons':>11}{'R persons':>11}{'F1 persons':>12}"
          f"{'P groups':>10}{'R groups':>10}{'F1 groups':>11}")
    for corpus in sorted(persons, key=lambda c: (c == "all", c)):
        p = score(persons[corpus])
        g = score(groups[corpus])
        print(f"{corpus:<22}{len(persons[corpus]):>6}{p[0]:>11.3f}{p[1]:>11.3f}{p[2]:>12.3f}{g[0]:>10.3f}{g[1]:>10.3f}{g[2]:>11.3f}")
    print(f"attribution time: {seconds:.2f} s for {n_paragraphs} paragraphs ({1000 * seconds / n_paragraphs:.2f} ms each)")
    print(f"\n{len(failures)} paragraphs differ (gold persons -> predicted; gold groups -> predicted):")
    for key, position, gp, pp, gg, pg, text in failures[: args.failures]:
        print(f"- {key} #{position}: {gp} -> {pp}; {gg} -> {pg} | {text}")


if __name__ == "__main__":
    main()
