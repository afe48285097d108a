"""A real browser: `streamlit run` driven by Playwright in Debian's Chromium.

Screenshots of every page go to the folder this test prints (DIPLODASH_SCREENSHOTS or a temp dir).
"""
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

import diplodash

from . import inputs
from .conftest import ROOT, SEED, needs_shared

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, needs_shared,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (apt-get install chromium)")]
HOSTILE_SPEAKER = "<b>Bold</b> [me](javascript:alert(3))"
PAGES = ["Overview", "Themes", "Speakers", "Search", "Articles", "Corpus"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plant_hostile_text(index: Path) -> None:
    """Ingestion strips tags, so write the hostile text the way another tool could have."""
    from diplodash.index import read_tables, write_index

    manifest, articles, paragraphs, _ = read_tables(index)
    row = paragraphs.index[paragraphs.text == "Minister Jonas Berg said hello."][0]
    paragraphs.loc[row, "text"] = "Minister Jonas Berg said <img src=x onerror=alert(1)> [x](javascript:alert(1)) <b>bold</b>"
    paragraphs.at[row, "speakers"] = ["Jonas Berg", HOSTILE_SPEAKER]
    articles.loc[articles.title == "Hostile paragraph test", "title"] = "<img src=t onerror=alert(2)> Hostile title"
    write_index(index, articles, paragraphs, index / "embeddings.npy", manifest)


@contextmanager
def running_app(index: Path):
    port = free_port()
    env = {**os.environ, "DIPLODASH_INDEX": str(index), "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                "--server.headless", "true", "--server.address", "127.0.0.1"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("streamlit did not start: " + process.stdout.read().decode()[-2000:])
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser_index(tmp_path_factory, real_embedder):
    folder = tmp_path_factory.mktemp("corpus")
    inputs.write_plain(folder)
    inputs.write_jsonl(folder)
    index = tmp_path_factory.mktemp("browser") / "index"
    (folder / "hostile.txt").write_text("Hostile paragraph test\nPublished: 2025-01-01\n\nMinister Jonas Berg said hello.\n")
    diplodash.build([folder, SEED], index, embedder=real_embedder, cache_dir=tmp_path_factory.mktemp("cache"))
    plant_hostile_text(index)
    return index


@pytest.fixture(scope="module")
def server(browser_index):
    with running_app(browser_index) as url:
        yield url


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("DIPLODASH_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()


def test_search_finds_the_seed_statement_and_every_page_renders(server, page, shots):
    page.goto(server, wait_until="networkidle")
    page.wait_for_selector("h1:has-text('Overview')", timeout=60_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.screenshot(path=str(shots / "1-overview.png"), full_page=True)

    page.get_by_role("link", name="Search").click()
    page.wait_for_selector("h1:has-text('Similar statements')", timeout=30_000)
    box = page.get_by_label("Statement", exact=True).and_(page.locator("input"))
    box.fill("Moscow backs the security initiative that Beijing put forward")
    box.press("Enter")
    # the container fills in after it appears: wait for the paragraph itself
    best = page.locator(".st-key-best_match:has-text('Best match'):has-text('Lavrov said at the meeting')")
    best.wait_for(timeout=90_000)
    text = best.inner_text()
    assert text.count("Lavrov said at the meeting") == 1 and "Global Security Initiative" in text
    assert "Sergey Lavrov" in text and "2024-04-09" in text
    page.wait_for_selector('[data-testid="stDataFrame"] canvas', timeout=30_000)
    page.wait_for_selector("button:has-text('Download CSV')", timeout=30_000)
    page.screenshot(path=str(shots / "4-search.png"), full_page=True)

    for number, name in enumerate(PAGES, 1):
        if name in ("Overview", "Search"):
            continue
        page.get_by_role("link", name=name).click()
        heading = {"Themes": "Themes over time", "Speakers": "Who speaks"}.get(name, name)
        page.wait_for_selector(f"h1:has-text('{heading}')", timeout=30_000)
        charts = {"Themes": 2, "Speakers": 4}.get(name, 0)
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {charts}", timeout=30_000)
        page.wait_for_timeout(1500)
        assert not page.locator('[data-testid="stException"]').count(), f"{name} shows an exception"
        page.screenshot(path=str(shots / f"{number}-{name.lower()}.png"), full_page=True)
    assert len(list(shots.glob("[0-9]-*.png"))) == 6


def test_a_link_to_a_page_opens_it_in_the_app_navigation_even_on_a_fresh_server(browser_index, page):
    with running_app(browser_index) as url:
        page.goto(f"{url}/speakers", wait_until="networkidle")
        page.wait_for_selector("h1:has-text('Who speaks')", timeout=60_000)
        # the file-named sidebar of the first run may still be in the DOM for a moment: wait for the final one
        page.wait_for_function("""expected => JSON.stringify([...document.querySelectorAll("[data-testid='stSidebarNav'] a")]
                                  .map(a => a.innerText.trim().split(/\\s+/).pop())) === JSON.stringify(expected)""",
                               arg=PAGES, timeout=30_000)
        links = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
        assert [link.split()[-1] for link in links] == PAGES


def test_clicking_a_timeline_point_lists_the_paragraphs_behind_it(server, page, shots):
    page.goto(f"{server}/themes", wait_until="networkidle")
    page.wait_for_selector("h1:has-text('Themes over time')", timeout=60_000)
    points = page.locator(".st-key-timeline .js-plotly-plot .scatterlayer .points path")
    points.first.wait_for(timeout=60_000)
    box = min((points.nth(i).bounding_box() for i in range(points.count())), key=lambda b: b["y"])  # the highest share
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    heading = page.locator("h3:has-text(' paragraphs')").first
    heading.wait_for(timeout=30_000)
    theme, period, count = heading.inner_text().split(" · ")
    shown = page.locator("[data-testid='stMarkdownContainer'] p:has-text(' — ')")
    assert int(count.split()[0]) >= 1 and shown.count() == min(int(count.split()[0]), 50)
    assert period[:4].isdigit() and theme
    page.screenshot(path=str(shots / "themes-clicked-point.png"), full_page=True)


def assert_nothing_injected(page) -> None:
    assert page.locator("img[src='x'], img[src='t']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("main b:has-text('bold'), main b:has-text('Bold')").count() == 0
    # plotly turns <b> in a label into a bold tspan of its own: the name must stay literal text
    injected = page.evaluate("""[...document.querySelectorAll('.js-plotly-plot tspan')]
        .filter(t => t.style.fontWeight === 'bold' && t.textContent.trim() === 'Bold').length""")
    assert injected == 0


def test_hostile_text_creates_no_element_in_the_dom(server, page, shots):
    page.goto(f"{server}/articles", wait_until="networkidle")
    page.wait_for_selector("h1:has-text('Articles')", timeout=60_000)
    page.wait_for_selector("text=onerror=alert(1)", timeout=30_000)  # the newest article: shown as text
    page.wait_for_selector("h3:has-text('<img src=t onerror=alert(2)> Hostile title')", timeout=30_000)
    assert_nothing_injected(page)

    page.goto(f"{server}/speakers?speaker={urllib.parse.quote(HOSTILE_SPEAKER)}", wait_until="networkidle")
    page.wait_for_selector(f"h3:has-text('{HOSTILE_SPEAKER}: 1 statements')", timeout=60_000)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 4", timeout=30_000)
    page.wait_for_selector(".js-plotly-plot text:has-text('<b>Bold</b>')", timeout=30_000)
    page.screenshot(path=str(shots / "hostile-speakers.png"), full_page=True)
    assert_nothing_injected(page)

    page.goto(f"{server}/search", wait_until="networkidle")
    box = page.get_by_label("Statement", exact=True).and_(page.locator("input"))
    box.wait_for(timeout=60_000)
    box.fill("Minister Jonas Berg said hello")
    box.press("Enter")
    best = page.locator(".st-key-best_match:has-text('Best match'):has-text('onerror=alert(1)')")  # filled in, not just shown
    best.wait_for(timeout=90_000)
    assert "<img src=x onerror=alert(1)>" in best.inner_text() and HOSTILE_SPEAKER in best.inner_text()
    page.get_by_text("More like this").click()
    page.wait_for_selector("button:has-text('onerror=alert(1)')", timeout=30_000)
    page.screenshot(path=str(shots / "hostile-search.png"), full_page=True)
    assert_nothing_injected(page)
