"""The build's map on Ray against the local build, same input, same machine (#19).

    .venv/bin/python bench/engines.py [--conferences N] [--json PATH]

Input: the first N Foreign Ministry conferences of ../shared/corpora/mfa-china/press-conferences-
zh-en-2018-2020 in both languages (default 40: ~2,200 paragraphs; the multilingual space is on).
Each build starts from an empty embedding cache. The Ray build runs on a local Ray runtime with
this machine's cores (`ray.init(num_cpus=2)`), so it measures Ray's overhead, not a cluster's gain:
per paragraph, the Ray build's time minus the local build's. Prints both builds' stage timings
(read, attribute, embed, tag, total) and the overhead; the README turns the per-paragraph costs
into a paper estimate for 100M paragraphs.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PAGES = ROOT.parent / "shared" / "corpora" / "mfa-china" / "press-conferences-zh-en-2018-2020"


def timed_build(files: list[str], engine) -> dict:
    from diplodash.build import build
    from diplodash.embeddings import Embedder

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        manifest = build(files, Path(folder) / "index", cache_dir=Path(folder) / "cache", embedder=Embedder(),
                         engine=engine)
        seconds = time.perf_counter() - started
    return {"engine": manifest["engine"], "paragraphs": manifest["counts"]["paragraphs"], "seconds": round(seconds, 1),
            **{k: v for k, v in manifest["timings"].items() if k != "parse_s"}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conferences", type=int, default=40)
    parser.add_argument("--json", default=None, metavar="PATH")
    args = parser.parse_args()
    if not PAGES.exists():
        sys.exit(f"skipped: {PAGES} is missing")
    from diplodash.engines import RayEngine

    dates = sorted({p.name.split("_")[0] for p in PAGES.glob("*_zh.html")})[:args.conferences]
    files = [str(PAGES / f"{d}_{lang}.html") for d in dates for lang in ("zh", "en")]
    local = timed_build(files, "local")
    started = time.perf_counter()
    engine = RayEngine(num_cpus=2)
    startup = time.perf_counter() - started
    ray = timed_build(files, engine)
    print(f"# bench/engines.py  {time.strftime('%Y-%m-%d %H:%M')}  {len(files)} pages, {local['paragraphs']:,} paragraphs; "
          f"Ray runtime started in {startup:.1f} s (not counted below)")
    print(f"{'engine':<8}{'total s':>9}{'read':>8}{'attribute':>11}{'embed':>8}{'tag':>7}{'ms/paragraph':>14}")
    for run in (local, ray):
        print(f"{run['engine']:<8}{run['seconds']:>9}{run['read_s']:>8.1f}{run['attribute_s']:>11.1f}{run['embed_s']:>8.1f}"
              f"{run['tag_s']:>7.1f}{1000 * run['seconds'] / run['paragraphs']:>14.1f}")
    overhead = (ray["seconds"] - local["seconds"]) / local["paragraphs"] * 1000
    print(f"Ray overhead on one 2-core machine: {overhead:+.1f} ms per paragraph "
          f"({ray['seconds'] / local['seconds']:.2f}x the local build)")
    if args.json:
        Path(args.json).write_text(json.dumps({"local": local, "ray": ray, "startup_s": round(startup, 1),
                                               "overhead_ms_per_paragraph": round(overhead, 2)}, indent=1))


if __name__ == "__main__":
    main()
