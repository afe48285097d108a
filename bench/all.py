"""Every benchmark in one run: each script's own table as it goes, then one table of the
headline figures with the peers beside them and the targets.

    .venv/bin/python bench/all.py            # ~30 minutes on 2 cores
    .venv/bin/python bench/all.py --skip build scale

Outputs are also kept in bench/out/<script>.txt. Needs ../shared (corpora), Debian's chromium
for the page timings and requirements-bench.txt for the BERTopic peers.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
WHITE_HOUSE = OUT / "white-house"

# (name, script and arguments); white_house.py comes first: it builds the White House index others use.
RUNS = [
    ("white_house", ["white_house.py"]),
    ("build", ["build.py", "--paragraphs", "5000"]),
    ("search", ["search.py"]),
    ("watch", ["watch.py"]),
    ("timelines", ["timelines.py", "--bertopic"]),
    ("runtime", ["runtime.py"]),
    ("first_paint", ["first_paint.py"]),
    ("first_paint_white_house", ["first_paint.py", "--index", str(WHITE_HOUSE), "--runs", "1"]),
    ("memory", ["memory.py"]),
    ("memory_white_house", ["memory.py", "--index", str(WHITE_HOUSE)]),
    ("themes", ["themes.py"]),
    ("speakers", ["speakers.py"]),
    ("speakers_heldout", ["speakers.py", "--gold", str(ROOT / "bench" / "gold" / "speakers-heldout.csv")]),
]

# (what, run, pattern whose groups give ours and the peer, target)
HEADLINES = [
    ("build, end to end / raw encode", "build", r"end to end / raw: ([\d.]+%)", ">= 90 %"),
    ("no-change rebuild / build", "build", r"rebuild / build: ([\d.]+%)", "<= 5 %"),
    ("add 10 articles: s (raw encode of them)", "build", r"add 10 articles.*?([\d.]+)\s+\(.*?at the rate above: ([\d.]+ s)", "∝ new"),
    ("search() p50 ms, 100k, quiet", "search", r"100,000\s+[\d.]+ / [\d.]+\s+[\d.]+ / [\d.]+\s+([\d.]+) /", "<= 20"),
    ("search() p50 ms, 100k, beside a CPU-bound job", "search", r"100,000\s+[\d.]+ / [\d.]+\s+[\d.]+ / [\d.]+\s+[\d.]+ / [\d.]+\s+([\d.]+) /",
     "<= 60"),
    ("encode + scan p50 ms, 100k (encode + numpy top_k)", "search", r"100,000\s+([\d.]+) /.*?([\d.]+) /", "report"),
    ("encode + scan p50 ms, 1M (encode + numpy top_k)", "search", r"1,000,000\s+([\d.]+) /.*?([\d.]+) /", "<= 150"),
    ("watch pass, 100 articles on 160k paragraphs: s beside embedding (rewrite whole index s)", "watch",
     r"160,000\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+[\d,]+\s+([\d.]+)", "seconds"),
    ("timeline month x source, 1M (BERTopic topics_over_time)", "timelines", r"1,000,000\s+(\d+) ms.*?(\d+) ms", "<= 200 ms"),
    ("Overview first paint, content, sample", "first_paint", r"overview.*?\)\s+([\d.]+ s)", "<= 3 s"),
    ("Themes first paint, chart, sample", "first_paint", r"themes.*?\)\s+([\d.]+ s)", "<= 3 s"),
    ("peak RSS, sample, with searches", "memory", r"peak[^\d]*([\d,]+ MB)", "<= 690 MB"),
    ("peak RSS, White House, with searches", "memory_white_house", r"peak[^\d]*([\d,]+ MB)", "report"),
    ("theme macro-F1, fresh set (similarity only)", "themes", r"## fresh.*?macro-F1\s+([\d.]+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)",
     ">= 0.90"),
    ("speaker persons F1, gold set", "speakers", r"^all\s+\d+\s+[\d.]+\s+[\d.]+\s+([\d.]+)", ">= 0.95"),
    ("speaker persons F1, second set", "speakers_heldout", r"^all\s+\d+\s+[\d.]+\s+[\d.]+\s+([\d.]+)", ">= 0.95"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip", nargs="*", default=[], help="run names to leave out")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    outputs = {}
    for name, command in RUNS:
        if name in args.skip:  # a skipped run's last output, if any, still feeds the table
            saved = OUT / f"{name}.txt"
            outputs[name] = saved.read_text() if saved.exists() else ""
            continue
        print(f"\n=== {name}: bench/{' '.join(command)}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(ROOT / "bench" / command[0]), *command[1:]], cwd=ROOT,
                                capture_output=True, text=True)
        text = "\n".join(line for line in result.stdout.splitlines() if not line.startswith("Loading weights"))
        outputs[name] = text
        (OUT / f"{name}.txt").write_text(text + "\n")
        print(text + (f"\n(exit {result.returncode}: {result.stderr.strip()[-500:]})" if result.returncode else ""))
        print(f"({time.perf_counter() - started:.0f} s)", flush=True)
    print(f"\n# bench/all.py  {time.strftime('%Y-%m-%d %H:%M')}  headline figures")
    print(f"| {'what':<58} | {'DiploDash':>10} | {'peer':>10} | {'target':>10} |")
    print(f"|{'-' * 60}|{'-' * 12}|{'-' * 12}|{'-' * 12}|")
    for what, run, pattern, target in HEADLINES:
        found = re.search(pattern, outputs.get(run, ""), re.S | re.M)
        ours = found.group(1) if found else "—"
        peer = found.group(2) if found and found.re.groups > 1 else "—"
        print(f"| {what:<58} | {ours:>10} | {peer:>10} | {target:>10} |")


if __name__ == "__main__":
    main()
