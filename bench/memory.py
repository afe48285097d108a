"""Peak resident memory of `streamlit run app.py` through a scripted session: open every page,
then run a search (which loads the model). Community Cloud's smallest allotment is 690 MB.

    .venv/bin/python bench/memory.py [--index data/index]
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def resident_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory in MB of a process, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default=str(ROOT / "data" / "index"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.headless", "true"], cwd=ROOT, env={**os.environ, "DIPLODASH_INDEX": args.index},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    readings = []
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        readings.append(("server up", *resident_mb(server.pid)))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}")
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
                page.wait_for_selector(".st-key-best_match", timeout=120_000)
                page.wait_for_timeout(1000)
            readings.append(("after two searches (model loaded)", *resident_mb(server.pid)))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"# bench/memory.py  {time.strftime('%Y-%m-%d %H:%M')}  index: {args.index}")
    print(f"{'moment':<38}{'resident MB':>12}{'peak MB':>10}")
    for moment, current, peak in readings:
        print(f"{moment:<38}{current:>12.0f}{peak:>10.0f}")
    print(f"peak: {readings[-1][2]:.0f} MB (Community Cloud's smallest allotment: 690 MB)")


if __name__ == "__main__":
    main()
