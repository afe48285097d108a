"""Cross-lingual search on the Foreign Ministry's own translations: an English paragraph as the query,
the Chinese paragraph that says the same as the answer, and the other way; through `Index.search`
on an index built from the pages by `diplodash build`, beside the plain models; and build rates.

    .venv/bin/python bench/crosslingual.py [--conferences N] [--queries N] [--json PATH]

Input: ../shared/corpora/mfa-china/press-conferences-zh-en-2018-2020/ (each conference as
`<date>_zh.html` and `<date>_en.html`); the first N dates (default 40). Pairs: the two versions'
searchable paragraphs aligned turn by turn (aligned_pairs), kept where both open with the same
turn marker (问/答 and Q/A), hold mostly the same numbers and have similar lengths; an answer's
twin (the same text at another conference) counts as the answer.
Queries: up to --queries pairs drawn at random (seed 0), each way. Search is filtered to the
answer's language (`languages=[...]`, as the Search page's Languages filter does).

Build rate: the same pages built twice with empty embedding caches, `--multilingual off` (every
paragraph through the primary model, as before the multilingual space) and `auto` (the primary
model for English paragraphs, the multilingual model for all).

English control: the first sentence of an English paragraph of several sentences as the query, its
paragraph as the answer, in the same mixed index: filtered to English (the primary model's ranking,
unchanged by the space), unfiltered (the Chinese versions compete), and plain models.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
PAGES = SHARED / "corpora" / "mfa-china" / "press-conferences-zh-en-2018-2020"
OUT = ROOT / "bench" / "out" / "crosslingual"
K = 10
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUESTION = ("问", "Q")
_ANSWER = ("答", "A")


def marker(text: str) -> str:
    text = text.lstrip()
    for name, prefixes in (("q", _QUESTION), ("a", _ANSWER)):
        if any(text.startswith(p) and text[len(p):len(p) + 1] in ("：", ":", " ") for p in prefixes):
            return name
    return ""


def numbers(text: str) -> list[str]:
    return sorted(n.replace(",", "") for n in _NUMBER.findall(text))


def segments(rows: list[int], kinds: list[str]) -> list[list[int]]:
    """Rows cut where a transcript turn starts (the opening statements are the first segment)."""
    cut: list[list[int]] = [[]]
    for row in rows:
        if kinds[row] == "turn" and cut[-1]:
            cut.append([])
        cut[-1].append(row)
    return cut


_HAN = re.compile(r"[\u4e00-\u9fff]")


def similar_lengths(english: str, chinese: str) -> bool:
    """Gale and Church's check, by characters: 0.7-3.2 Chinese characters per English word (about
    1.6 in these pages) keeps the pairs where one version did not drop or add a sentence."""
    ratio = len(_HAN.findall(chinese)) / max(len(english.split()), 1)
    return 0.7 <= ratio <= 3.2


def same_numbers(a: str, b: str) -> bool:
    first, second = set(numbers(a)), set(numbers(b))
    return not (first | second) or len(first & second) >= 0.5 * len(first | second)


def aligned_pairs(index) -> list[tuple[int, int]]:
    """(English row, Chinese row) of the paragraphs the two versions of a conference say alike: the
    versions cut at their transcript turns; where they have as many turns, a turn's paragraphs are
    paired by position if both versions give it as many paragraphs, else only its first paragraphs
    (the English version condenses the opening statements more often than the answers); a pair is
    kept where both open with the same marker (问/答, Q/A) and hold mostly the same numbers."""
    paragraphs = index.paragraphs
    searchable = index.searchable
    kinds = paragraphs["kind"].tolist()
    path_of = dict(zip(index.articles.article_id, index.articles.path))
    by_file: dict[str, list[int]] = {}
    for row, article in enumerate(paragraphs["article_id"]):
        if searchable[row]:
            by_file.setdefault(Path(path_of[article]).name, []).append(row)
    texts = paragraphs["text"].tolist()
    pairs = []
    for name, zh_rows in sorted(by_file.items()):
        if not name.endswith("_zh.html"):
            continue
        en_cut = segments(by_file.get(name.replace("_zh.html", "_en.html"), []), kinds)
        zh_cut = segments(zh_rows, kinds)
        if len(en_cut) != len(zh_cut):
            continue
        for en_part, zh_part in zip(en_cut, zh_cut):
            matched = zip(en_part, zh_part) if len(en_part) == len(zh_part) else [(en_part[0], zh_part[0])]
            for en, zh in matched:
                if marker(texts[en]) == marker(texts[zh]) and same_numbers(texts[en], texts[zh]) \
                        and similar_lengths(texts[en], texts[zh]):
                    pairs.append((en, zh))
    return pairs


def metrics(ranks: list[int | None]) -> dict:
    ranks = list(ranks)
    found = [r for r in ranks if r is not None]
    return {"recall@1": sum(r <= 1 for r in found) / len(ranks), "recall@5": sum(r <= 5 for r in found) / len(ranks),
            "recall@10": sum(r <= 10 for r in found) / len(ranks), "mrr": sum(1 / r for r in found) / len(ranks),
            "queries": len(ranks)}


_TWINS: dict = {}


def rank_of(ranking, answer) -> int | None:
    """Where the answer ranks; a paragraph with the very same text (a formula repeated at another
    conference: "我没有听说有关情况") counts as the answer."""
    twins = _TWINS.get(answer, {answer})
    return next((n + 1 for n, row in enumerate(ranking) if row in twins), None)


def note_twins(texts: list[str]) -> None:
    groups: dict = {}
    for row, text in enumerate(texts):
        groups.setdefault(" ".join(text.split()), set()).add(row)
    _TWINS.clear()
    _TWINS.update({row: rows for rows in groups.values() if len(rows) > 1 for row in rows})


def plain_ranks(queries: np.ndarray, targets: np.ndarray, allowed: np.ndarray, answers) -> list[int | None]:
    """Exact cosine over the allowed rows: where each answer ranks (top K)."""
    scores = queries @ targets.T
    scores[:, ~allowed] = -np.inf
    top = np.argsort(-scores, axis=1)[:, :K]
    return [rank_of(row, answer) for row, answer in zip(top, answers)]


def build_rate(files: list[str], setting: str) -> dict:
    from diplodash.build import build
    from diplodash.embeddings import Embedder

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        manifest = build(files, Path(folder) / "index", cache_dir=Path(folder) / "cache", multilingual=setting,
                         embedder=Embedder())
        seconds = time.perf_counter() - started
    paragraphs = manifest["counts"]["paragraphs"]
    return {"setting": setting, "paragraphs": paragraphs, "seconds": round(seconds, 1),
            "paragraphs_per_s": round(paragraphs / seconds, 1), "embed_s": manifest["timings"]["embed_s"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conferences", type=int, default=40)
    parser.add_argument("--queries", type=int, default=400, help="pairs drawn as queries, each way")
    parser.add_argument("--no-rate", action="store_true", help="skip the two timed builds")
    parser.add_argument("--queries-from", type=int, default=0, metavar="N",
                        help="draw queries only from the conferences after the first N (those the choices were not made on)")
    parser.add_argument("--json", default=None, metavar="PATH")
    args = parser.parse_args()
    if not PAGES.exists():
        sys.exit(f"skipped: {PAGES} is missing")
    from diplodash.build import build
    from diplodash.embeddings import Embedder
    from diplodash.index import load_index
    from diplodash.multilingual import MultilingualEncoder

    dates = sorted({p.name.split("_")[0] for p in PAGES.glob("*_zh.html")})[:args.conferences]
    files = [str(PAGES / f"{d}_{lang}.html") for d in dates for lang in ("zh", "en") if (PAGES / f"{d}_{lang}.html").exists()]
    figures: dict = {"conferences": len(dates), "files": len(files)}
    rates = [] if args.no_rate else [build_rate(files, "off"), build_rate(files, "auto")]
    embedder = Embedder()
    target = OUT / f"index-{len(dates)}"
    build(files, target, cache_dir=OUT / "cache", embedder=embedder)
    index = load_index(target)
    pairs = aligned_pairs(index)
    if args.queries_from:
        later = {str(PAGES / f"{d}_zh.html") for d in dates[args.queries_from:]}
        path_of = dict(zip(index.articles.article_id, index.articles.path))
        owner = index.paragraphs["article_id"].to_numpy()
        pairs = [p for p in pairs if path_of[owner[p[1]]] in later]
    random.Random(0).shuffle(pairs)
    chosen = pairs[:args.queries]
    texts = index.paragraphs["text"].tolist()
    note_twins(texts)
    languages = index.paragraphs["language"].to_numpy()
    print(f"# bench/crosslingual.py  {time.strftime('%Y-%m-%d %H:%M')}  {len(dates)} conferences, {len(index.paragraphs):,} "
          f"paragraphs ({', '.join(f'{n} {l}' for l, n in index.paragraphs.language.value_counts().items())}); "
          f"{len(pairs):,} aligned pairs" + (f" in the conferences after the first {args.queries_from}" if args.queries_from else "")
          + f", {len(chosen)} drawn as queries each way")
    figures.update(paragraphs=len(index.paragraphs), pairs=len(pairs), queries=len(chosen))

    results = {}
    for name, (source, answer, language) in {"en->zh": (0, 1, "zh"), "zh->en": (1, 0, "en")}.items():
        ranks, started = [], time.perf_counter()
        for pair in chosen:
            hits = index.search(texts[pair[source]], k=K, languages=[language])
            rows = [row_of(index, pid) for pid in hits["paragraph_id"]]
            ranks.append(rank_of(rows, pair[answer]))
        results[f"Index.search {name}"] = {**metrics(ranks), "ms_per_query": round(1000 * (time.perf_counter() - started) / len(chosen), 1)}

    # The plain models: each query embedded, exact cosine over the answer language's rows.
    multilingual = MultilingualEncoder()
    searchable = index.searchable
    for model_name, encode in (("USE v3 (plain)", multilingual.encode), ("all-MiniLM-L6-v2 (plain)", embedder.encode)):
        vectors = encode(texts) if model_name.startswith("all") else np.asarray(index.multilingual.raw)
        for name, (source, answer, language) in {"en->zh": (0, 1, "zh"), "zh->en": (1, 0, "en")}.items():
            queries = encode([texts[p[source]] for p in chosen])
            allowed = searchable & (languages == language)
            results[f"{model_name} {name}"] = metrics(plain_ranks(queries, vectors, allowed, [p[answer] for p in chosen]))

    # English control: the first sentence of an English paragraph finds its paragraph.
    from diplodash.text import sentences

    english = [p for p in pairs if len(sentences(texts[p[0]])) >= 2][:args.queries]
    control = [(sentences(texts[en])[0], en, zh) for en, zh in english]
    for name, filters in (("English control, filtered to English", {"languages": ["en"]}),
                          ("English control, unfiltered", {})):
        ranks, either = [], []
        for query, en, zh in control:
            rows = [row_of(index, pid) for pid in index.search(query, k=K, **filters)["paragraph_id"]]
            ranks.append(rank_of(rows, en))
            either.append(min([r for r in (rank_of(rows, en), rank_of(rows, zh)) if r is not None], default=None))
        results[name] = metrics(ranks)
        if not filters:
            results["English control, unfiltered, either version"] = metrics(either)
    english_rows = searchable & (languages == "en")
    for model_name, encode, vectors in (("all-MiniLM-L6-v2 (plain)", embedder.encode, index.embeddings),
                                        ("USE v3 (plain)", multilingual.encode, index.multilingual.raw)):
        queries = encode([q for q, _, _ in control])
        results[f"English control, {model_name}"] = metrics(plain_ranks(queries, np.asarray(vectors), english_rows,
                                                                         [en for _, en, _ in control]))

    print(f"\n{'':<52}{'R@1':>7}{'R@5':>7}{'R@10':>7}{'MRR':>7}{'n':>6}")
    for name, m in results.items():
        print(f"{name:<52}{m['recall@1']:>7.3f}{m['recall@5']:>7.3f}{m['recall@10']:>7.3f}{m['mrr']:>7.3f}{m['queries']:>6}"
              + (f"   {m['ms_per_query']} ms/query" if "ms_per_query" in m else ""))
    if rates:
        print("\nbuild, empty caches, same pages:")
        for rate in rates:
            print(f"  --multilingual {rate['setting']:<5} {rate['paragraphs']:,} paragraphs in {rate['seconds']} s: "
                  f"{rate['paragraphs_per_s']} paragraphs/s (embedding {rate['embed_s']} s)")
        print(f"  ratio auto / off: {rates[1]['paragraphs_per_s'] / rates[0]['paragraphs_per_s']:.2f}")
    figures.update(results=results, build=rates)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))


_ROWS: dict = {}


def row_of(index, paragraph_id: str) -> int:
    if id(index) not in _ROWS:
        _ROWS.clear()
        _ROWS[id(index)] = {p: i for i, p in enumerate(index.paragraphs["paragraph_id"])}
    return _ROWS[id(index)][paragraph_id]


if __name__ == "__main__":
    main()
