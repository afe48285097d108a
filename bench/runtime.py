"""Model runtime: torch fp32 against ONNX Runtime fp32 and int8 exports of the same model.

    .venv/bin/python bench/runtime.py [--paragraphs 1000] [--queries 50]

For each runtime: paragraphs/s (batches of 32, longest first, as sentence-transformers does),
single-query latency (p50 over short queries) and cosine agreement with torch on the same
paragraphs (mean and minimum). The int8 model is made with onnxruntime's dynamic quantisation
from the fp32 export, in a temporary folder.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPORA = ROOT.parent / "shared" / "corpora"
QUERIES = ["a multipolar world", "sanctions on Russian banks", "ceasefire talks in Gaza", "reform of the Security Council",
           "the two leaders deepened their strategic partnership", "gas supplies through the pipeline"]


def paragraphs(count: int) -> list[str]:
    from diplodash.build import collect

    sources = sorted((CORPORA / "white-house").rglob("*.md"))[::50] if CORPORA.exists() else [ROOT / "data" / "sample"]
    texts = collect([str(s) for s in sources], [])[1]["text"].tolist()
    return texts[:count]


def throughput(encode, texts: list[str]) -> tuple[float, np.ndarray]:
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors = np.zeros((len(texts), 384), dtype=np.float32)
    started = time.perf_counter()
    for start in range(0, len(order), 32):
        batch = order[start:start + 32]
        vectors[batch] = encode([texts[i] for i in batch])
    return len(texts) / (time.perf_counter() - started), vectors


def query_latency(encode, count: int) -> float:
    samples = []
    for number in range(count):
        started = time.perf_counter()
        encode([f"{QUERIES[number % len(QUERIES)]} ({number})"])
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paragraphs", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from diplodash.embeddings import DEFAULT_MODEL, Embedder, OnnxEncoder, export_onnx

    texts = paragraphs(args.paragraphs)
    work = Path(tempfile.mkdtemp(prefix="diplodash-runtime-"))
    fp32 = export_onnx(DEFAULT_MODEL, work / "embeddings")
    if fp32 is None:
        sys.exit("the ONNX export failed or disagreed with torch; nothing to compare")
    int8 = work / "int8"
    shutil.copytree(fp32, int8)
    quantize_dynamic(str(fp32 / "model.onnx"), str(int8 / "model.onnx"), weight_type=QuantType.QInt8)

    runtimes = {"torch fp32": Embedder(DEFAULT_MODEL).encode, "onnx fp32": OnnxEncoder(fp32).encode,
                "onnx int8": OnnxEncoder(int8).encode}
    for encode in runtimes.values():
        encode(texts[:32])  # warm-up
    print(f"# bench/runtime.py  {time.strftime('%Y-%m-%d %H:%M')}  {len(texts)} paragraphs, "
          f"{np.mean([len(t.split()) for t in texts]):.0f} words on average; {args.queries} queries")
    print(f"{'runtime':<12}{'paragraphs/s':>14}{'query p50 ms':>14}{'cosine vs torch: mean / min':>30}")
    reference = None
    for name, encode in runtimes.items():
        rate, vectors = throughput(encode, texts)
        latency = query_latency(encode, args.queries)
        reference = vectors if reference is None else reference
        cosine = (vectors * reference).sum(axis=1)
        print(f"{name:<12}{rate:>14.1f}{latency:>14.1f}{cosine.mean():>19.4f} / {cosine.min():.4f}")
    shutil.rmtree(work, ignore_errors=True)
    print("rule: the fastest runtime that agrees >= 0.99 (mean cosine) serves queries; builds keep torch "
          "unless an export is faster at batch 32")


if __name__ == "__main__":
    main()
