"""Speaker attribution against the hand-labelled gold set (bench/gold/speakers.csv).

    .venv/bin/python bench/speakers.py [--failures 30]

Prints precision, recall and F1 for the three kinds of source (persons, unnamed groups,
organisations; micro-averaged over (paragraph, name) pairs) per gold set and corpus, optionally
the paragraphs that still fail, and with --top-names N the N most-quoted names of the White House
and Kremlin corpora. speakers-test.csv is reported in two halves split by article: `tune` may be
read for errors, `test` is only ever reported.
"""
from __future__ import annotations

import argparse
import csv
import os
import re
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


def half(key: str) -> str:
    import hashlib

    return "tune" if hashlib.blake2b(key.encode(), digest_size=1).digest()[0] % 2 == 0 else "test"


def score(pairs):
    tp = sum(len(g & p) for g, p in pairs)
    fp = sum(len(p - g) for g, p in pairs)
    fn = sum(len(g - p) for g, p in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def organisation_key(name: str) -> frozenset:
    """Organisations are named loosely ("the Foreign Ministry", "Russian Foreign Ministry"): compare word sets."""
    words = re.findall(r"[a-z0-9]+", name.lower().replace("u.s.", "us"))
    return frozenset(w for w in words if w not in ("the", "of", "s"))


def organisation_pair(gold: list[str], predicted: list[str]) -> tuple[set, set]:
    """Gold and predicted as comparable sets: a prediction whose words are a subset or superset of a
    gold name's counts as that name."""
    gold_keys = {organisation_key(n) for n in gold}
    matched = set()
    for name in predicted:
        key = organisation_key(name)
        matched.add(next((g for g in gold_keys if key and (key <= g or g <= key)), key))
    return gold_keys, matched


def evaluate(path: Path, half_only: str | None, failures_shown: int) -> None:
    from diplodash.speakers import name_key
    from diplodash.text import digest

    gold = load_gold(path)
    if half_only:
        gold = {k: row for k, row in gold.items() if half(k[0]) == half_only}
    predicted, tables, seconds, n_paragraphs = predict({k for k, _ in gold})
    same = lambda names: {name_key(tables.canonical_name(n)) for n in names}  # noqa: E731
    kinds = {"persons": defaultdict(list), "groups": defaultdict(list), "organisations": defaultdict(list)}
    has_organisations = "organisations" in next(iter(gold.values()))
    failures, drift = [], 0
    for (key, position), row in sorted(gold.items()):
        corpus = key.split("/")[1] if key.startswith("corpora/") else "seed"
        hit = predicted.get((key, position))
        if hit is None or digest(hit.text, 4) != row["text_hash"]:
            drift += 1
            continue
        pairs = {"persons": (same(split_names(row["speakers"])), same(list(hit.speakers)))}
        if "groups" in row:  # bench/gold/speakers-zh.csv labels persons only
            pairs["groups"] = (set(split_names(row["groups"])), set(hit.speaker_groups))
        if has_organisations:
            pairs["organisations"] = organisation_pair(split_names(row["organisations"]), list(hit.speaker_organisations))
        for kind, pair in pairs.items():
            for bucket in (corpus, "all"):
                kinds[kind][bucket].append(pair)
        groups = pairs.get("groups", (set(), set()))
        if pairs["persons"][0] != pairs["persons"][1] or groups[0] != groups[1]:
            failures.append((key, position, sorted(split_names(row["speakers"])), sorted(hit.speakers),
                             sorted(groups[0]), sorted(groups[1]), hit.text[:90]))
    name = path.name + (f" ({half_only} half)" if half_only else "")
    print(f"\n## {name}: {len(gold)} paragraphs{f', {drift} skipped (paragraph changed since labelling)' if drift else ''}")
    shown = [k for k in kinds if kinds[k]]
    print(f"{'corpus':<20}{'rows':>5}" + "".join(f"{k[:5] + ' P/R/F1':>22}" for k in shown))
    for corpus in sorted(kinds["persons"], key=lambda c: (c == "all", c)):
        cells = "".join(f"{'{:.3f} {:.3f} {:.3f}'.format(*score(kinds[k][corpus])[:3]):>22}" for k in shown)
        print(f"{corpus:<20}{len(kinds['persons'][corpus]):>5}{cells}")
    print(f"attribution time: {seconds:.2f} s for {n_paragraphs} paragraphs ({1000 * seconds / n_paragraphs:.2f} ms each)")
    if failures_shown:
        print(f"\n{len(failures)} paragraphs differ (gold persons -> predicted; gold groups -> predicted):")
        for key, position, gp, pp, gg, pg, text in failures[:failures_shown]:
            print(f"- {key} #{position}: {gp} -> {pp}; {gg} -> {pg} | {text}")


def top_names(count: int) -> None:
    """The most-quoted persons and organisations of the White House and Kremlin corpora, each name
    checked by the NER model taken alone (a name it does not call PERSON is flagged for reading)."""
    from diplodash.build import collect
    from diplodash.queries import speaker_counts
    from diplodash.speakers import Tables, attribute
    from diplodash.speakers.parser import entity_label

    files = [str(SHARED / "corpora" / "kremlin" / "kremlin-news-2021-2022.csv")] + \
        sorted(str(p) for p in (SHARED / "corpora" / "white-house").rglob("*.md"))
    articles, paragraphs = collect(files, [])
    started = time.perf_counter()
    timings: dict = {}
    table = attribute(articles, paragraphs, Tables.load(), timings=timings)
    seconds = time.perf_counter() - started
    print(f"\n## the {count} most-quoted names: {len(articles)} articles, {len(paragraphs)} paragraphs of the "
          f"White House and Kremlin corpora (attribution {seconds:.0f} s, of which parse {timings['parse_s']:.0f} s)")
    for kind in ("persons", "organisations"):
        counts = speaker_counts(table, kind=kind, top=count)
        print(f"\n{kind}: name (statements) [NER label of the name alone, when not PERSON]")
        cells = []
        for row in counts.itertuples():
            label = entity_label(row.speaker)
            flag = f" [{label or 'none'}]" if kind == "persons" and label != "PERSON" else ""
            cells.append(f"{row.speaker} ({row.statements}){flag}")
        print("; ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--failures", type=int, default=0, help="print the first N paragraphs that differ")
    parser.add_argument("--gold", nargs="*", default=None,
                        help="labels CSVs (default: every bench/gold/speakers*.csv)")
    parser.add_argument("--half", choices=("tune", "test"), default=None,
                        help="only the articles of one half (split by a hash of the article key): the tune "
                             "half may be read for errors, the test half is reported and never read")
    parser.add_argument("--top-names", type=int, default=0, metavar="N",
                        help="also attribute the whole White House and Kremlin corpora and print the N most quoted")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"skipped: {SHARED} is missing")
    paths = [Path(p) for p in args.gold] if args.gold else sorted(GOLD.parent.glob("speakers*.csv"))
    print(f"# bench/speakers.py  {time.strftime('%Y-%m-%d %H:%M')}  persons, groups and organisations, "
          f"micro-averaged over (paragraph, name) pairs")
    for path in paths:
        halves = [args.half] if args.half else (["tune", "test"] if path.name == "speakers-test.csv" else [None])
        for half_only in halves:
            evaluate(path, half_only, args.failures)
    if args.top_names:
        top_names(args.top_names)


if __name__ == "__main__":
    main()
