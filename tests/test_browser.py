"""A real browser: `streamlit run` driven by Playwright in Debian's Chromium.

Screenshots of every page go to the folder this test prints (DIPLODASH_SCREENSHOTS or a temp dir).
"""
import os
import shutil
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

from .conftest import HOSTILE_SPEAKER, ROOT, plant_hostile_text, rewrite_index
from .pages import numbers

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (apt-get install chromium)")]
PAGES = ["Overview", "Themes", "Speakers", "Search", "Track", "Watchlist", "Articles", "Corpus"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(index: Path, **settings):
    port = free_port()
    env = {**os.environ, "DIPLODASH_INDEX": str(index), "HF_HUB_OFFLINE": "1", **settings}
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
def browser_index(sample_index, tmp_path_factory):
    index = tmp_path_factory.mktemp("browser") / "index"
    rewrite_index(sample_index, index, plant_hostile_text)
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


def wait_for_page(page, heading: str) -> None:
    """Wait until the page shows `heading` and its script run has finished (a click during a run
    races with the run's own writes to the address)."""
    page.wait_for_selector(f"h1:has-text('{heading}')", timeout=60_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)


def metric(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text(label, exact=True)) \
        .locator("[data-testid='stMetricValue']")
    box.wait_for(timeout=30_000)
    return box.inner_text().strip()


def query_of(page) -> dict:
    return urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)


def test_search_finds_a_paraphrase_in_an_undated_article_and_every_page_renders(server, page, shots):
    page.goto(server, wait_until="networkidle")
    wait_for_page(page, "Overview")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.screenshot(path=str(shots / "1-overview.png"), full_page=True)

    page.get_by_role("link", name="Search").click()
    wait_for_page(page, "Similar statements")
    box = page.get_by_label("Statement", exact=True).and_(page.locator("input"))
    box.fill("A war that is frozen still beats one that burns")
    box.press("Enter")
    best = page.locator(".st-key-results_0:has-text('frozen war'):has-text('Open the article')")  # filled in, not just shown
    best.wait_for(timeout=90_000)
    text = best.inner_text()
    assert "Global Ledger" in text and "undated" in text and "Open the article" in text
    assert query_of(page)["q"] == ["A war that is frozen still beats one that burns"]
    page.wait_for_selector("button:has-text('Download CSV')", timeout=30_000)
    page.screenshot(path=str(shots / "4-search.png"), full_page=True)
    page.locator(".st-key-results_0 a:has-text('Open the article')").click()
    wait_for_page(page, "Articles")
    page.wait_for_selector("[data-testid='stCaptionContainer']:has-text('undated')", timeout=30_000)
    page.wait_for_selector(".st-key-linked_paragraph:has-text('frozen war')", timeout=30_000)  # the hit, framed
    assert "article" in query_of(page) and "paragraph" in query_of(page)

    for number, name in enumerate(PAGES, 1):
        if name in ("Overview", "Search"):
            continue
        page.get_by_role("link", name=name).click()
        wait_for_page(page, {"Themes": "Themes over time", "Speakers": "Who speaks", "Track": "Track a statement"}.get(name, name))
        charts = {"Themes": 2, "Speakers": 4}.get(name, 0)
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {charts}", timeout=30_000)
        page.wait_for_timeout(1500)
        assert not page.locator('[data-testid="stException"]').count(), f"{name} shows an exception"
        page.screenshot(path=str(shots / f"{number}-{name.lower()}.png"), full_page=True)
    assert len(list(shots.glob("[0-9]-*.png"))) == len(PAGES)


def test_filters_survive_sidebar_links_and_back_and_forward(server, page):
    themes, overview = ("**/themes?source=Varna+Herald", "Themes over time"), ("**/?source=Varna+Herald", "Overview")

    def arrive(where) -> None:
        page.wait_for_url(where[0], timeout=30_000)  # the app writes the filters back into the address
        wait_for_page(page, where[1])

    page.goto(f"{server}/?source=Varna+Herald", wait_until="networkidle")
    wait_for_page(page, "Overview")
    assert metric(page, "Articles") == "14"
    steps = page.evaluate("history.length")
    assert "source=Varna+Herald" in page.get_by_role("link", name="Themes").get_attribute("href")  # opens in a new tab too
    page.get_by_role("link", name="Themes").click()
    arrive(themes)
    assert page.locator(".st-key-filter_sources [data-testid='stMultiSelectTagsContainer'] span[title='Varna Herald']").count() == 1
    page.get_by_role("link", name="Overview").click()
    arrive(overview)
    assert metric(page, "Articles") == "14" and page.evaluate("history.length") == steps + 2  # one step per click
    for step, where in ((page.go_back, themes), (page.go_back, overview), (page.go_forward, themes)):
        step()
        arrive(where)
    page.go_back()
    arrive(overview)
    assert metric(page, "Articles") == "14"


def plotted(page) -> list[dict]:
    page.wait_for_selector(".st-key-timeline .js-plotly-plot .scatterlayer .points path", timeout=60_000)
    traces = page.evaluate("""[...document.querySelector('.st-key-timeline .js-plotly-plot').data]
        .map(t => ({name: t.name, y: t.y, visible: t.visible === undefined ? true : t.visible}))""")
    return [{**trace, "y": numbers(trace["y"])} for trace in traces]


def test_a_copied_url_restores_the_page_controls_and_the_theme_filter_keeps_shares_true(server, page):
    page.goto(f"{server}/themes?period=quarter&measure=count&smooth=3", wait_until="networkidle")
    wait_for_page(page, "Themes over time")
    page.wait_for_selector(".st-key-granularity input[value='quarter']", timeout=30_000)
    assert page.get_by_role("radio", name="count").is_checked()
    assert page.locator(".st-key-smooth input").input_value() == "over 3 periods"
    counts = [y for trace in plotted(page) for y in trace["y"]]
    assert counts and all(float(y).is_integer() for y in counts) and max(counts) > 1

    page.goto(f"{server}/themes?theme=ukraine&period=year", wait_until="networkidle")
    wait_for_page(page, "Themes over time")
    traces = plotted(page)
    assert [t["name"] for t in traces] == ["Ukraine"]
    assert 0 < max(traces[0]["y"]) < 0.5  # out of all paragraphs of the year, not of the Ukraine ones (100 %)


def test_clicking_a_timeline_point_lists_the_paragraphs_behind_it_and_a_reload_keeps_them(server, page, shots):
    page.goto(f"{server}/themes", wait_until="networkidle")
    wait_for_page(page, "Themes over time")
    points = page.locator(".st-key-timeline .js-plotly-plot .scatterlayer .points path")
    points.first.wait_for(timeout=60_000)
    box = min((points.nth(i).bounding_box() for i in range(points.count())), key=lambda b: b["y"])  # the highest share
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    heading = page.locator("h3:has-text(' paragraphs')").first
    heading.wait_for(timeout=30_000)
    theme, period, count = heading.inner_text().split(" · ")
    count = int(count.split()[0])
    page.wait_for_selector(".st-key-behind_0", timeout=30_000)
    assert page.locator("[class*='st-key-behind_']:not([class*='more'])").count() == min(count, 20)
    assert theme and period[:3].isalpha() and period[-4:].isdigit()  # "Oct 2022", not a timestamp
    page.wait_for_function("location.search.includes('point=')", timeout=30_000)
    page.screenshot(path=str(shots / "themes-clicked-point.png"), full_page=True)
    page.reload(wait_until="networkidle")
    page.locator(f"h3:has-text('{theme} · {period} · {count} paragraphs')").wait_for(timeout=60_000)


def test_a_link_to_a_page_opens_it_in_the_app_navigation_even_on_a_fresh_server(browser_index, page):
    with running_app(browser_index) as url:
        page.goto(f"{url}/speakers?person=Jonas+Berg&source=Varna+Herald", wait_until="networkidle")
        page.wait_for_selector("h1:has-text('Who speaks')", timeout=60_000)
        # the file-named sidebar of the first run may still be in the DOM for a moment: wait for the final one
        page.wait_for_function("""expected => JSON.stringify([...document.querySelectorAll("[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']")]
                                  .map(a => a.innerText.trim().split(/\\s+/).pop())) === JSON.stringify(expected)""",
                               arg=PAGES, timeout=30_000)
        links = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']").all_inner_texts()
        assert [link.split()[-1] for link in links] == PAGES
        assert page.locator("[data-testid='stSidebarNav']").count() == 0  # Streamlit's file-named menu is gone
        page.wait_for_selector(".st-key-speaker input[value='Jonas Berg']", timeout=30_000)  # the link's view, kept
        assert query_of(page) == {"person": ["Jonas Berg"], "source": ["Varna Herald"]}


def assert_nothing_injected(page) -> None:
    assert page.locator("img[src='x'], img[src='t']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("main b:has-text('bold'), main b:has-text('Bold')").count() == 0
    # plotly turns <b> in a label into a bold tspan of its own: the name must stay literal text
    injected = page.evaluate("""[...document.querySelectorAll('.js-plotly-plot tspan')]
        .filter(t => t.style.fontWeight === 'bold' && t.textContent.trim() === 'Bold').length""")
    assert injected == 0


def test_hostile_text_creates_no_element_in_the_dom(server, page, shots, browser_index):
    hostile = diplodash.load_index(browser_index).articles.query("title.str.contains('onerror')").article_id.iloc[0]
    page.goto(f"{server}/articles?article={hostile}", wait_until="networkidle")
    wait_for_page(page, "Articles")
    page.wait_for_selector("text=onerror=alert(1)", timeout=30_000)
    page.wait_for_selector("h3:has-text('<img src=t onerror=alert(2)> Hostile')", timeout=30_000)
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
    box.fill("The year began with the Verin Valley quiet for the first time since 2022")  # the vector is the original text's
    box.press("Enter")
    best = page.locator("[class*='st-key-results_']:has-text('onerror=alert(1)')").first  # filled in, not just shown
    best.wait_for(timeout=90_000)
    assert "<img src=x onerror=alert(1)>" in best.inner_text() and HOSTILE_SPEAKER in best.inner_text()
    page.screenshot(path=str(shots / "hostile-search.png"), full_page=True)
    assert_nothing_injected(page)


def test_track_two_statements_typed_in_and_click_a_point(server, page, shots):
    """Type two statements, see one line each, click a point: the paragraphs behind it, and the
    statements are in the link."""
    page.goto(f"{server}/track?at=0.5", wait_until="networkidle")
    wait_for_page(page, "Track a statement")
    for statement in ("sanctions on the banks of Veldoria", "a frozen war is better than a burning one"):
        page.locator(".st-key-track_input input").fill(statement)
        page.get_by_role("button", name="Track", exact=True).click()
        wait_for_page(page, "Track a statement")
    page.wait_for_function("document.querySelectorAll('.st-key-tracked .js-plotly-plot .scatterlayer .trace').length == 2",
                           timeout=90_000)
    assert query_of(page)["track"] == ["sanctions on the banks of Veldoria", "a frozen war is better than a burning one"]
    points = page.locator(".st-key-tracked .js-plotly-plot .scatterlayer .points path")
    box = min((points.nth(i).bounding_box() for i in range(points.count())), key=lambda b: b["y"])  # the most
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    heading = page.locator("h3:has-text(' paragraphs')").first
    heading.wait_for(timeout=30_000)
    count = int(heading.inner_text().rsplit(" · ", 1)[1].split()[0])
    assert count >= 1
    page.wait_for_selector(".st-key-tracked_behind_0", timeout=30_000)
    assert page.locator("[class*='st-key-tracked_behind_']:not([class*='more'])").count() == min(count, 10)
    page.wait_for_function("location.search.includes('point=statement-')", timeout=30_000)
    page.screenshot(path=str(shots / "track-clicked-point.png"), full_page=True)


def test_create_a_theme_mark_paragraphs_save_and_see_the_timeline_change(sample_index, tmp_path, page, shots):
    """An operator creates a theme on the Themes page, previews it, marks two paragraphs on it and
    two not, saves: the index is re-tagged and the page's timeline draws the new theme."""
    from diplodash import teaching

    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    with running_app(index, DIPLODASH_EDITING="1", DIPLODASH_WORKSPACE=str(tmp_path / "workspace")) as url:
        page.goto(f"{url}/themes?teach=_new", wait_until="networkidle")
        wait_for_page(page, "Themes over time")
        page.locator(".st-key-teach_label__new input").fill("Banking sanctions")
        page.locator(".st-key-teach_description__new textarea").fill(
            "Sanctions on banks and financial institutions, asset freezes and payment restrictions.")
        page.locator(".st-key-teach_examples__new textarea").fill("The banks of Veldoria were cut off from international payments.")
        page.locator(".st-key-teach_keywords__new textarea").fill("sanction\nbank")
        page.get_by_role("button", name="Preview").click()
        page.wait_for_selector(".st-key-teach_closest_0", timeout=90_000)
        wait_for_page(page, "Themes over time")
        previewed = int(metric(page, "Paragraphs it tags").replace(",", ""))
        marked = "[...document.querySelectorAll('[data-testid=stMetricValue]')].some(e => e.innerText.includes('%s'))"
        for card, button, after in (("teach_closest_0", "On this theme", "1 on · 0 not on"),
                                    ("teach_closest_0", "On this theme", "2 on · 0 not on"),
                                    ("teach_border_5", "Not on it", "2 on · 1 not on"),
                                    ("teach_border_5", "Not on it", "2 on · 2 not on")):
            page.locator(f".st-key-{card}").get_by_role("button", name=button).click()
            page.wait_for_function(marked % after, timeout=60_000)  # each click is one mark, counted
            wait_for_page(page, "Themes over time")
        marks = teaching.read_marks(tmp_path / "workspace" / "themes.yaml")
        assert len(marks) == 4 and marks.on.sum() == 2
        page.screenshot(path=str(shots / "teach-preview.png"), full_page=True)
        page.get_by_role("button", name="Save the theme and re-tag the index").click()
        page.wait_for_selector("[data-testid='stAlertContentSuccess']:has-text('Saved')", timeout=90_000)
        wait_for_page(page, "Themes over time")
        assert query_of(page)["theme"] == ["banking-sanctions"]
        page.wait_for_function("[...document.querySelectorAll('.st-key-timeline .legendtext')]"
                               ".map(e => e.textContent).join('|') === 'Banking sanctions'", timeout=60_000)
        saved = int(metric(page, "Paragraphs it tags").replace(",", ""))
        assert saved >= 1 and previewed >= 1
        page.screenshot(path=str(shots / "teach-saved.png"), full_page=True)


def test_type_english_and_read_the_chinese_and_russian_statements_filtered_by_language_from_the_url(
        tmp_path, page, shots, real_embedder):
    """An index of a press conference in English, Chinese and Russian (files the test writes): an
    English sentence typed on the Search page opened with ?lang=zh lists the Chinese statement first;
    with ?lang=ru the Russian one; "In other languages" on a hit shows its other versions."""
    from diplodash.build import build

    from .inputs import THREE_VERSIONS, write_three_versions

    index = tmp_path / "index"
    build([str(write_three_versions(tmp_path / "in"))], index, cache_dir=tmp_path / "cache", embedder=real_embedder)
    chinese, russian = THREE_VERSIONS["briefing-zh.txt"][2][0], THREE_VERSIONS["briefing-ru.txt"][2][0]
    with running_app(index) as url:
        for language, expected, name in (("zh", chinese, "Chinese"), ("ru", russian, "Russian")):
            page.goto(f"{url}/search?lang={language}", wait_until="networkidle")
            wait_for_page(page, "Similar statements")
            box = page.get_by_label("Statement", exact=True).and_(page.locator("input"))
            box.fill("China opposes the unilateral sanctions of the United States")
            box.press("Enter")
            best = page.locator(f".st-key-results_0:has-text('{expected[:12]}'):has-text('Open the article')")
            best.wait_for(timeout=90_000)
            assert expected in best.inner_text() and name in best.inner_text()
            assert query_of(page)["lang"] == [language]
            cards = page.locator("[class*='st-key-results_']:has-text('Open the article')")
            assert all(name in cards.nth(n).inner_text() for n in range(cards.count()))
            page.screenshot(path=str(shots / f"crosslingual-{language}.png"), full_page=True)
        best.get_by_role("button", name="In other languages").click()
        page.wait_for_selector("text=The same statement in other languages", timeout=60_000)
        wait_for_page(page, "Similar statements")
        english = THREE_VERSIONS["briefing-en.txt"][2][0]
        for version in (chinese, english):  # the Russian hit's Chinese and English versions
            page.wait_for_selector(f"[class*='st-key-results_']:has-text('{version[:12]}')", timeout=60_000)
        assert "versions" in query_of(page)
        page.screenshot(path=str(shots / "crosslingual-versions.png"), full_page=True)
