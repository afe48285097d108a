"""The second theme-labelling campaign (#16): draw paragraphs to label, check label files, agreement.

    .venv/bin/python bench/theme_campaign.py sample      # writes bench/out/theme-campaign/*.csv
    .venv/bin/python bench/theme_campaign.py agreement A.csv B.csv

`sample` reads every shared corpus with English text (White House, Kremlin, UN General Debate, the
Foreign Ministry's English pages), leaves out every article an earlier label file used, and splits
the rest by a hash of the article's key: 15 % of articles may only feed the *fresh* set (labelled
twice, independently, for agreement, then adjudicated: the test set nobody tuned on), the rest the
*training* batches. Training paragraphs are drawn per theme among those its keywords hit (positives
and the hard negatives that mention a theme's words without being about it), more for the themes
with fewest labels so far, plus random paragraphs; the fresh set is half random, half keyword hits,
so that it has positives of every theme but is not what the keywords find alone.

Files under bench/out/ hold the text for the annotators and are never committed; the label files
(bench/gold/themes-campaign2-*.csv) hold keys, positions, text hashes and labels only.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
OUT = ROOT / "bench" / "out" / "theme-campaign"
GOLD = ROOT / "bench" / "gold"
EARLIER = ["themes.csv", "themes-train.csv", "themes-second-annotator.csv"]
SOURCES = {
    "white-house": [CORPORA / "white-house"],
    "kremlin": [CORPORA / "kremlin" / "kremlin-news-2021-2022.csv"],
    "un": [CORPORA / "un-general-debates"],
    "mfa": sorted((CORPORA / "mfa-china" / "press-conferences-zh-en-2018-2020").glob("*_en.html")),
}
FRESH_SHARE = 0.15
FRESH_PER_SOURCE = {"white-house": 110, "kremlin": 70, "un": 80, "mfa": 60}
# Keyword-hit paragraphs to draw per theme for training: most where earlier labels have fewest positives.
TRAIN_QUOTA = {"multipolarity": 260, "arms-control": 200, "elections": 200, "taiwan": 170, "terrorism": 200,
               "sanctions": 130, "energy": 100, "trade": 110, "climate": 80, "partnership": 170, "blocs": 80,
               "global-governance": 110, "middle-east": 60, "ukraine": 60}
TRAIN_RANDOM = 300
TRAIN_BATCHES = 6
PER_ARTICLE = 6
MIN_WORDS = 6


def article_hash(key: str) -> float:
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def corpus_paragraphs():
    """Every paragraph of the English corpora with its label key, source, title and previous paragraph."""
    from diplodash.build import collect
    from diplodash.text import digest
    from themes import label_key

    earlier = set()
    for name in EARLIER:
        with open(GOLD / name, encoding="utf-8", newline="") as handle:
            earlier |= {row["key"] for row in csv.DictReader(handle)}
    rows = []
    for source, inputs in SOURCES.items():
        articles, paragraphs = collect([str(p) for p in inputs], [])
        keys = dict(zip(articles.article_id, articles.path.map(lambda path: label_key(path, SHARED))))
        titles = dict(zip(articles.article_id, articles.title))
        for article_id, group in paragraphs.groupby("article_id", sort=False):
            key = keys[article_id]
            if key in earlier:
                continue
            previous = ""
            for position, text in zip(group.position, group.text):
                rows.append({"key": key, "position": int(position), "text_hash": digest(text)[:8], "source": source,
                             "title": titles[article_id] or "", "previous": previous[:500], "text": text})
                previous = text
    return rows


def keyword_hits(rows) -> None:
    from diplodash.themes import load_taxonomy

    patterns = {t.id: re.compile(t.keyword_pattern, re.IGNORECASE) for t in load_taxonomy() if t.keyword_pattern}
    for row in rows:
        row["hits"] = [theme for theme, pattern in patterns.items() if pattern.search(row["text"])]


def draw(pool, count, taken, per_article, rng):
    """Up to `count` rows of `pool` not yet taken, at most PER_ARTICLE per article."""
    chosen = []
    for row in rng.sample(pool, len(pool)):
        if len(chosen) == count:
            break
        ident = (row["key"], row["position"])
        if ident in taken or per_article[row["key"]] >= PER_ARTICLE:
            continue
        taken.add(ident)
        per_article[row["key"]] += 1
        chosen.append(row)
    return chosen


def write(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["key", "position", "text_hash", "source", "title", "previous", "text"],
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def sample() -> None:
    rng = random.Random(16)
    rows = [r for r in corpus_paragraphs() if len(r["text"].split()) >= MIN_WORDS]
    keyword_hits(rows)
    fresh_pool = [r for r in rows if article_hash(r["key"]) < FRESH_SHARE]
    train_pool = [r for r in rows if article_hash(r["key"]) >= FRESH_SHARE]
    print(f"{len(rows)} paragraphs: {len(fresh_pool)} in fresh articles, {len(train_pool)} in training articles")

    taken, per_article = set(), Counter()
    fresh = []
    for source, count in FRESH_PER_SOURCE.items():
        pool = [r for r in fresh_pool if r["source"] == source]
        fresh += draw([r for r in pool if r["hits"]], count // 2, taken, per_article, rng)
        fresh += draw(pool, count - count // 2, taken, per_article, rng)
    train = []
    for theme, count in TRAIN_QUOTA.items():
        train += draw([r for r in train_pool if theme in r["hits"]], count, taken, per_article, rng)
    train += draw(train_pool, TRAIN_RANDOM, taken, per_article, rng)

    OUT.mkdir(parents=True, exist_ok=True)
    fresh.sort(key=lambda r: (r["key"], r["position"]))
    write(OUT / "fresh.csv", fresh)
    rng.shuffle(train)
    for batch in range(TRAIN_BATCHES):
        part = sorted(train[batch::TRAIN_BATCHES], key=lambda r: (r["key"], r["position"]))
        write(OUT / f"train-{batch + 1}.csv", part)
    print(f"fresh: {len(fresh)} paragraphs from {len({r['key'] for r in fresh})} articles",
          dict(Counter(r["source"] for r in fresh)))
    print(f"train: {len(train)} paragraphs from {len({r['key'] for r in train})} articles in {TRAIN_BATCHES} batches",
          dict(Counter(r["source"] for r in train)))


def more(theme: str, count: int, name: str) -> None:
    """Another training batch: `count` paragraphs of training articles that `theme`'s keywords hit,
    none drawn before (for a theme whose positives stay short of the target)."""
    rng = random.Random(f"{theme}-{count}")
    rows = [r for r in corpus_paragraphs() if len(r["text"].split()) >= MIN_WORDS and article_hash(r["key"]) >= FRESH_SHARE]
    keyword_hits(rows)
    taken, per_article = set(), Counter()
    for path in OUT.glob("*.csv"):
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                taken.add((row["key"], int(row["position"])))
                per_article[row["key"]] += 1
    chosen = draw([r for r in rows if theme in r["hits"]], count, taken, per_article, rng)
    write(OUT / f"{name}.csv", sorted(chosen, key=lambda r: (r["key"], r["position"])))
    print(f"{name}: {len(chosen)} paragraphs from {len({r['key'] for r in chosen})} articles",
          dict(Counter(r["source"] for r in chosen)))


def read_labels(path) -> dict:
    with open(path, encoding="utf-8", newline="") as handle:
        return {(r["key"], int(r["position"])): {t for t in (r["themes"] or "").split(";") if t}
                for r in csv.DictReader(handle)}


def agreement(first: str, second: str) -> None:
    """Per theme: positives by each annotator, Cohen's kappa and F1 of one against the other."""
    from diplodash.themes import load_taxonomy

    a, b = read_labels(first), read_labels(second)
    shared = sorted(set(a) & set(b))
    print(f"{len(shared)} paragraphs labelled by both")
    print(f"{'theme':18} {'A':>4} {'B':>4} {'both':>4} {'kappa':>6} {'F1':>5}")
    kappas, f1s = [], []
    for theme in [t.id for t in load_taxonomy()]:
        x = [theme in a[k] for k in shared]
        y = [theme in b[k] for k in shared]
        n, both = len(shared), sum(p and q for p, q in zip(x, y))
        observed = sum(p == q for p, q in zip(x, y)) / n
        pa, pb = sum(x) / n, sum(y) / n
        expected = pa * pb + (1 - pa) * (1 - pb)
        kappa = (observed - expected) / (1 - expected) if expected < 1 else 1.0
        f1 = 2 * both / (sum(x) + sum(y)) if sum(x) + sum(y) else 1.0
        kappas.append(kappa)
        f1s.append(f1)
        print(f"{theme:18} {sum(x):4} {sum(y):4} {both:4} {kappa:6.3f} {f1:5.3f}")
    print(f"{'mean':18} {'':4} {'':4} {'':4} {sum(kappas) / len(kappas):6.3f} {sum(f1s) / len(f1s):5.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("sample")
    extra = commands.add_parser("more", help="one more training batch of a theme's keyword hits")
    extra.add_argument("theme")
    extra.add_argument("count", type=int)
    extra.add_argument("name")
    pair = commands.add_parser("agreement")
    pair.add_argument("first")
    pair.add_argument("second")
    args = parser.parse_args()
    if args.command == "sample":
        sample()
    elif args.command == "more":
        more(args.theme, args.count, args.name)
    else:
        agreement(args.first, args.second)


if __name__ == "__main__":
    main()
