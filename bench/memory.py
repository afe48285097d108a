"""Peak resident memory of `streamlit run app.py` through a scripted session: open every page,
then run a search (which loads the model). Community Cloud's smallest allotment is 690 MB.

    .venv/bin/python bench/memory.py [--index data/index]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from serving import chromium_page, streamlit_server  # noqa: E402


def resident_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory in MB of a process, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default=str(ROOT / "data" / "index"))
    args = parser.parse_args()
    readings = []
    with streamlit_server(args.index) as (server, url):
        readings.append(("server up", *resident_mb(server.pid)))
        with chromium_page() as page:
            page.goto(url)
            page.wait_for_selector("h1:has-text('Overview')", timeout=120_000)
            page.wait_for_selector(".js-plotly-plot", timeout=60_000)
            for name, heading in [("Themes", "Themes over time"), ("Speakers", "Who speaks"), ("Articles", "Articles")]:
                page.get_by_role("link", name=name).click()
                page.wait_for_selector(f"h1:has-text('{heading}')", timeout=60_000)
                page.wait_for_timeout(1000)
            readings.append(("every page but search", *resident_mb(server.pid)))
            page.get_by_role("link", name="Search").click()
            page.wait_for_selector("h1:has-text('Similar statements')", timeout=60_000)
            box = page.get_by_label("Statement", exact=True).and_(page.locator("input"))
            for query in ("sanctions are economic warfare", "humanitarian corridors must reopen"):
                box.fill(query)
                box.press("Enter")
                page.wait_for_selector(".st-key-results_0:has-text('Open the article')", timeout=120_000)
                page.wait_for_timeout(1000)
            readings.append(("after two searches (model loaded)", *resident_mb(server.pid)))
    print(f"# bench/memory.py  {time.strftime('%Y-%m-%d %H:%M')}  index: {args.index}")
    print(f"{'moment':<38}{'resident MB':>12}{'peak MB':>10}")
    for moment, current, peak in readings:
        print(f"{moment:<38}{current:>12.0f}{peak:>10.0f}")
    print(f"peak: {readings[-1][2]:.0f} MB (Community Cloud's smallest allotment: 690 MB)")


if __name__ == "__main__":
    main()
