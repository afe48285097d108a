"""The white-house corpus at full size: re-tag time and dashboard script times.

    .venv/bin/python bench/white_house.py [--out bench/out/white-house]

Embedding all ~160k White House paragraphs takes about 1.5 hours on 2 cores, so this index keeps
the real articles, paragraphs, speakers and themes pipeline but stores random unit vectors
(costs of re-tagging and of the pages do not depend on the vectors' values; theme scores do, so
the pages get about one theme per paragraph, as a real index has: see realistic_themes).
Pass --real-vectors to embed for real instead.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpora" / "white-house"


def build_synthetic(out: Path) -> float:
    import numpy as np

    from diplodash.build import _tag, collect
    from diplodash.embeddings import Embedder, EmbeddingCache, default_cache_dir
    from diplodash.index import SCHEMA_VERSION, write_index
    from diplodash.speakers import Tables, attribute
    from diplodash.themes import load_taxonomy

    started = time.perf_counter()
    articles, paragraphs = collect([str(CORPUS)], [])
    paragraphs = attribute(articles, paragraphs, Tables.load())
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(paragraphs), 384), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    embedder = Embedder()
    cache = EmbeddingCache(default_cache_dir(), embedder.name).load()
    taxonomy = load_taxonomy()
    paragraphs, scores, info = _tag(paragraphs, articles, vectors, taxonomy, None, embedder, cache)
    paragraphs["themes"] = realistic_themes(paragraphs, taxonomy, rng)
    manifest = {"schema_version": SCHEMA_VERSION, "model": embedder.name, "dim": 384,
                "counts": {"articles": len(articles), "paragraphs": len(paragraphs)}, "n_embedded": 0, "n_reused": 0,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "inputs": [str(CORPUS)], "errors": [],
                "timings": {}, "themes": info, "synthetic_vectors": True}
    write_index(out, articles, paragraphs, vectors, manifest, scores)
    return time.perf_counter() - started


def realistic_themes(paragraphs, taxonomy, rng, per_paragraph: float = 1.0) -> list[list[str]]:
    """Random vectors tag ~0.1 themes per paragraph, a real index ~1 (0.94 on the sample): so that the
    pages count as many theme rows as they would, each paragraph gets the themes whose keywords its
    text contains, plus random themes up to `per_paragraph` on average."""
    import numpy as np

    texts = paragraphs.text.astype("string[pyarrow]")
    hits = np.column_stack([texts.str.contains(t.keyword_pattern, case=False, regex=True).to_numpy() for t in taxonomy])
    extra = max(per_paragraph - hits.sum(axis=1).mean(), 0) / len(taxonomy)
    hits |= rng.random(hits.shape) < extra
    ids = np.array([t.id for t in taxonomy], dtype=object)
    return [list(ids[row]) for row in hits]


def timed(action, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def first_paint(index: Path) -> tuple[float, float]:
    """Seconds from `streamlit run` being up (health check answers) to the Overview title and to its
    numbers, in Debian's Chromium driven by Playwright."""
    sys.path.insert(0, str(ROOT / "bench"))
    from serving import chromium_page, streamlit_server

    with streamlit_server(index) as (_, url), chromium_page() as page:
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("h1:has-text('Overview')", timeout=120_000)
        title = time.perf_counter() - started
        page.wait_for_selector('[data-testid="stMetricValue"]', timeout=120_000)
        return title, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "white-house"))
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"skipped: {CORPUS} is missing")
    out = Path(args.out)
    if not (out / "manifest.json").exists():
        print(f"building {out} (real texts, random vectors): {build_synthetic(out):.0f} s")
    import diplodash
    from diplodash.build import retag

    index = diplodash.load_index(out)
    print(f"# bench/white_house.py  {time.strftime('%Y-%m-%d %H:%M')}  white-house: {len(index.articles):,} articles, "
          f"{len(index.paragraphs):,} paragraphs")
    with tempfile.TemporaryDirectory() as scratch:  # a copy, so that the pages keep realistic theme counts
        copy = shutil.copytree(out, Path(scratch) / "index")
        retag_seconds = timed(lambda: retag(copy), repeat=1)
    print(f"retag the whole index (taxonomy vectors cached): {retag_seconds:.1f} s")

    if Path("/usr/bin/chromium").exists():
        title, numbers = first_paint(out)
        print(f"first paint of Overview from a cold `streamlit run`: title {title:.2f} s, numbers {numbers:.2f} s")
    os.environ["DIPLODASH_INDEX"] = str(out)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    first = timed(lambda: at.run(), repeat=1)
    again = timed(lambda: at.run())
    at.switch_page("pages/themes.py")
    themes_first = timed(lambda: at.run(), repeat=1)
    sources = at.multiselect(key="filter_sources").options
    change = timed(lambda: at.multiselect(key="filter_sources").set_value(sources[:1]).run(), repeat=1)
    back = timed(lambda: at.multiselect(key="filter_sources").set_value([]).run(), repeat=1)
    granularity = timed(lambda: at.selectbox(key="granularity").set_value("week").run(), repeat=1)
    at.switch_page("pages/search.py").run()
    at.text_input(key="query").input("warm up the model").run()
    search = timed(lambda: at.text_input(key="query").input(f"sanctions on Russian banks {time.time()}").run())
    print(f"{'script run (AppTest)':<52}{'seconds':>8}")
    for name, value in [("Overview, first run (loads the index)", first), ("Overview, again", again),
                        ("Themes, first run", themes_first), ("Themes, filter change (one source)", change),
                        ("Themes, filter cleared (cached)", back), ("Themes, granularity change", granularity),
                        ("Search, model warm (query embedding + 160k matmul)", search)]:
        print(f"{name:<52}{value:>8.3f}")


if __name__ == "__main__":
    main()
