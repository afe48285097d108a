"""Append cost against index size: one `watch` pass that finds 100 new articles (served on
127.0.0.1, ~6 paragraphs each) on indexes of 10k, 100k and 160k paragraphs, with the real model;
the pass's time, the part of it spent embedding the new paragraphs, and the rest (fetch, read,
attribute, tag, write the segment). The peer, in the same run: rewriting the whole index with the
same rows (what every publish did before segments, even without re-embedding anything).

    .venv/bin/python bench/watch.py [--sizes 10000 100000 160000] [--articles 100]

The base indexes are synthetic: the sample's paragraphs repeated to size with random unit vectors
(writing and reading cost the same whatever the values).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class TimedEmbedder:
    """The real embedder, with the seconds spent in it counted."""

    def __init__(self, inner):
        self.inner, self.seconds = inner, 0.0
        self.name, self.dim = inner.name, inner.dim

    def _timed(self, method, *args, **kwargs):
        started = time.perf_counter()
        try:
            return getattr(self.inner, method)(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started

    def encode(self, texts, *args, **kwargs):
        return self._timed("encode", texts, *args, **kwargs)

    def encode_with_tokens(self, texts, *args, **kwargs):
        return self._timed("encode_with_tokens", texts, *args, **kwargs)


def base_index(folder: Path, size: int, model: str, vectors=None) -> None:
    """A synthetic index of `size` paragraphs with the sample's texts, articles and themes, and
    `vectors` (random unit vectors by default)."""
    import numpy as np
    import pandas as pd

    import diplodash
    from diplodash.index import write_index

    sample = diplodash.load_index(ROOT / "data" / "index")
    repeats = -(-size // len(sample.paragraphs))
    articles = pd.concat([sample.articles.assign(article_id=sample.articles.article_id + f"r{r}",
                                                 dedup_keys=sample.articles.dedup_keys.map(lambda k, r=r: [f"{x}#{r}" for x in k]))
                          for r in range(repeats)], ignore_index=True)
    paragraphs = pd.concat([sample.paragraphs.assign(article_id=sample.paragraphs.article_id + f"r{r}",
                                                     paragraph_id=sample.paragraphs.paragraph_id + f"r{r}")
                            for r in range(repeats)], ignore_index=True).iloc[:size]
    articles = articles[articles.article_id.isin(set(paragraphs.article_id))]
    if vectors is None:
        vectors = np.random.default_rng(0).standard_normal((len(paragraphs), 384), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    manifest = {**sample.manifest, "model": model, "segments": [],
                "counts": {"articles": len(articles), "paragraphs": len(paragraphs)}}
    write_index(folder, articles, paragraphs, vectors, manifest)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 160_000])
    parser.add_argument("--articles", type=int, default=100)
    args = parser.parse_args()
    import diplodash
    from diplodash.embeddings import Embedder
    from diplodash.feeds import Source
    from diplodash.index import read_tables, write_index
    from diplodash.watch import watch
    from tests.watchsite import Site, serve

    model = Embedder()
    model.encode(["warm up"])
    site = Site()
    server = serve(site)
    print(f"# bench/watch.py  {time.strftime('%Y-%m-%d %H:%M')}  {args.articles} new articles per pass, model {model.name}")
    print(f"{'index paragraphs':>17}  {'pass s':>7}  {'embedding s':>11}  {'rest s':>7}  {'new paragraphs':>14}"
          f"  {'rewrite whole index s':>21}  {'pass rest / rewrite':>19}")
    for number, size in enumerate(args.sizes):
        with tempfile.TemporaryDirectory() as work:
            index = Path(work) / "index"
            base_index(index, size, model.name)
            first = 1000 * (number + 1)
            site.feed("/feed.xml", list(range(first, first + args.articles)))
            timed = TimedEmbedder(model)
            report = watch([Source("Bench ministry", f"{site.base}/feed.xml")], index, embedder=timed,
                           cache_dir=Path(work) / "cache", force=True)
            rest = report.seconds - timed.seconds
            manifest, articles, paragraphs, embeddings = read_tables(index)
            started = time.perf_counter()
            write_index(Path(work) / "rewritten", articles, paragraphs, embeddings, {**manifest, "segments": []},
                        diplodash.load_index(index).theme_scores)
            rewrite = time.perf_counter() - started
            print(f"{size:>17,}  {report.seconds:>7.1f}  {timed.seconds:>11.1f}  {rest:>7.1f}  {report.paragraphs_added:>14,}"
                  f"  {rewrite:>21.1f}  {rest / rewrite:>19.2f}")
    server.shutdown()
    print("target: 100 new articles on a 160k-paragraph index take seconds plus their embedding")


if __name__ == "__main__":
    main()
