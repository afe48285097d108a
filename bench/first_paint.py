"""Time to first paint of every page from a cold `streamlit run`, in Debian's Chromium.

    .venv/bin/python bench/first_paint.py [--index data/index] [--runs 3]

For each page a fresh server is started; the clock starts when its health check answers and the
browser asks for the page's address. "title" is the page's heading, "content" the first element
that carries the page's answer (numbers, a chart, the search box, an article, the build button).
Medians over the runs, with the range.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

# page address -> the element that shows its content
PAGES = {
    "": '[data-testid="stMetricValue"]',
    "themes": ".js-plotly-plot",
    "speakers": ".js-plotly-plot",
    "search": 'input[aria-label="Statement"]',
    "articles": "h3",
    "corpus": "h3:has-text('Report of the last build')",  # read-only by default: no build button
}


def first_paint(index: str | Path, page_path: str, content: str) -> tuple[float, float]:
    from serving import chromium_page, streamlit_server

    with streamlit_server(index) as (_, url), chromium_page() as page:
        started = time.perf_counter()
        page.goto(f"{url}/{page_path}")
        page.wait_for_selector("h1", timeout=120_000)
        title = time.perf_counter() - started
        page.wait_for_selector(content, timeout=120_000)
        return title, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default=str(ROOT / "data" / "index"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not Path("/usr/bin/chromium").exists():
        sys.exit("skipped: /usr/bin/chromium is missing (apt-get install chromium)")
    print(f"# bench/first_paint.py  {time.strftime('%Y-%m-%d %H:%M')}  index: {args.index}  ({args.runs} cold starts per page)")
    print(f"{'page':<10}{'title, median (range)':>26}{'content, median (range)':>28}")
    for page_path, content in PAGES.items():
        times = [first_paint(args.index, page_path, content) for _ in range(args.runs)]
        cells = []
        for column in (0, 1):
            values = [t[column] for t in times]
            cells.append(f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})")
        print(f"{page_path or 'overview':<10}{cells[0]:>26}{cells[1]:>28}")
    print("target: <= 3 s")


if __name__ == "__main__":
    main()
