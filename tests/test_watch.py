"""Watching sources: passes against feeds served on 127.0.0.1 that change, fail, repeat and reorder;
the index grows by segments that read as one; a pass killed half-way loses and doubles nothing."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import diplodash
from diplodash.build import BuildError, exclusive, retag
from diplodash.cli import main as cli
from diplodash.feeds import Source, SourcesError, load_sources
from diplodash.index import SEGMENTS
from diplodash.search import search
from diplodash.segments import compact
from diplodash.watch import watch
from diplodash.web import WebClient

from .conftest import ROOT, HashEmbedder
from .watchsite import Route, Site, article_page, serve


@pytest.fixture
def site():
    site = Site()
    server = serve(site)
    yield site
    server.shutdown()


def fast_client() -> WebClient:
    return WebClient(timeout=(1.0, 1.0), retries=1, backoff=0.0)


def run(sources, index, embedder, force=True, **options):
    """One pass; every source checked (force) unless a test looks at intervals."""
    return watch(sources, index, client=fast_client(), embedder=embedder, force=force, **options)


def titles(index_dir) -> list[str]:
    return sorted(diplodash.load_index(index_dir).articles["title"])


def test_passes_add_exactly_the_new_articles(tmp_path, site, fake_embedder):
    index = tmp_path / "index"
    site.feed("/a.xml", [1, 2], etag='"a1"')
    site.feed("/b.xml", [10])
    site.feed("/c.xml", [20, 21])
    sources = [Source("Ministry A", f"{site.base}/a.xml"), Source("Ministry B", f"{site.base}/b.xml"),
               Source("Ministry C", f"{site.base}/c.xml")]
    first = run(sources, index, fake_embedder)
    assert [r.status for r in first.sources] == ["new", "new", "new"]
    loaded = diplodash.load_index(index)
    assert len(loaded.articles) == 5 and set(loaded.articles.source) == {"Ministry A", "Ministry B", "Ministry C"}
    assert loaded.articles.set_index("title").loc["Ministers agree on item 2", "published"] == pd.Timestamp("2026-11-02 11:00")

    # A answers 304; B adds one entry and repeats and reorders the old one; C is unchanged.
    site.routes["/b.xml"] = Route(site.routes["/b.xml"].body)
    site.feed("/b.xml", [11, 10, 11])
    second = run(sources, index, fake_embedder)
    assert [r.line().split(":")[1].strip() for r in second.sources] == ["unchanged", "new", "unchanged"]
    assert second.sources[0].reason == "not modified (304)" and second.sources[1].new_articles == 1
    grown = diplodash.load_index(index)
    assert len(grown.articles) == 6 and grown.articles.article_id.is_unique and grown.paragraphs.paragraph_id.is_unique
    assert len(grown.manifest["segments"]) == 1 and second.segment == grown.manifest["segments"][0]
    assert grown.manifest["counts"]["articles"] == 6
    assert all(site.hits[f"/news/{n}.html"] == 1 for n in (1, 2, 10, 11, 20, 21))  # each page fetched once

    # The segment reads as part of one index: vectors, themes and search see the new article.
    assert grown.embeddings.shape == (len(grown.paragraphs), fake_embedder.dim)
    assert set(grown.theme_scores.paragraph_id) <= set(grown.paragraphs.paragraph_id)
    new_rows = grown.paragraphs[(grown.paragraphs.kind == "body") & grown.paragraphs.article_id.isin(grown.articles[grown.articles.title.str.contains("11")].article_id)]
    grown._embedder = fake_embedder
    hits = search(grown, new_rows.text.iloc[0], k=1)
    assert hits.paragraph_id[0] == new_rows.paragraph_id.iloc[0] and hits.title[0] == "Ministers agree on item 11"

    calls = fake_embedder.calls
    third = run(sources, index, fake_embedder)
    assert third.paragraphs_added == 0 and third.segment is None
    assert fake_embedder.calls == calls  # nothing new: nothing embedded, not even the themes
    assert len(diplodash.load_index(index).manifest["segments"]) == 1


def test_faults_are_reported_and_retried_without_loss_or_doubling(tmp_path, site, fake_embedder):
    index = tmp_path / "index"
    site.feed("/good.xml", [1, 2, 3])
    site.routes["/news/2.html"] = Route("server error", status=500)
    site.routes["/down.xml"] = Route("oops", status=500)
    site.routes["/slow.xml"] = Route("<rss/>", delay=3.0)
    site.routes["/broken.xml"] = Route("<?xml version='1.0'?><rss><channel><item><title>x</tit", content_type="application/rss+xml")
    sources = [Source("Good", f"{site.base}/good.xml"), Source("Down", f"{site.base}/down.xml"),
               Source("Slow", f"{site.base}/slow.xml"), Source("Broken", f"{site.base}/broken.xml")]
    report = run(sources, index, fake_embedder)
    good, down, slow, broken = report.sources
    assert good.new_articles == 2 and len(good.failed) == 1 and "/news/2.html: " in good.failed[0] and "500" in good.failed[0]
    assert down.status == "failed" and "500" in down.reason and site.hits["/down.xml"] == 2  # retried once
    assert slow.status == "failed" and "timed out" in slow.reason
    assert broken.status == "failed" and "not a readable RSS/Atom feed" in broken.reason
    assert "Ministers agree on item 2" not in titles(index)

    site.routes["/news/2.html"] = Route(article_page(2))
    again = run(sources, index, fake_embedder)
    assert again.sources[0].new_articles == 1 and not again.sources[0].failed
    assert titles(index) == [f"Ministers agree on item {n}" for n in (1, 2, 3)]
    assert site.hits["/news/1.html"] == 1 and site.hits["/news/2.html"] == 3


def test_the_same_article_under_two_links_is_kept_once(tmp_path, site, fake_embedder):
    index = tmp_path / "index"
    site.feed("/a.xml", [1])
    site.feed("/b.xml", [5])
    site.routes["/news/5.html"] = Route(article_page(1))  # another site's copy of article 1
    report = run([Source("A", f"{site.base}/a.xml"), Source("B", f"{site.base}/b.xml")], index, fake_embedder)
    assert report.sources[1].repeated == 1 and len(diplodash.load_index(index).articles) == 1


def test_a_pass_killed_half_way_leaves_the_index_loadable_and_the_next_completes_it(tmp_path, site, fake_embedder):
    index = tmp_path / "index"
    site.feed("/a.xml", [1, 2])
    run([Source("A", f"{site.base}/a.xml")], index, fake_embedder)
    site.feed("/a.xml", [1, 2, 3, 4])
    site.routes["/news/4.html"] = Route(article_page(4), delay=60)
    script = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
              "from tests.conftest import HashEmbedder\n"
              "from diplodash.feeds import Source\nfrom diplodash.watch import watch\n"
              f"watch([Source('A', {site.base + '/a.xml'!r})], {str(index)!r}, embedder=HashEmbedder(), force=True)\n")
    child = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
    deadline = time.time() + 60
    while site.hits["/news/4.html"] == 0 and time.time() < deadline:
        time.sleep(0.05)
    assert child.poll() is None and site.hits["/news/4.html"] == 1  # killed in the middle of its pass
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    # Half-written work a killed writer can leave: an unlisted segment folder.
    (index / SEGMENTS / ".0009-dead.building").mkdir(parents=True)
    assert len(diplodash.load_index(index).articles) == 2  # the previous index, whole

    site.routes["/news/4.html"] = Route(article_page(4))
    report = run([Source("A", f"{site.base}/a.xml")], index, fake_embedder)
    assert report.sources[0].new_articles == 2
    assert titles(index) == [f"Ministers agree on item {n}" for n in (1, 2, 3, 4)]
    assert [p.name for p in (index / SEGMENTS).iterdir()] == diplodash.load_index(index).manifest["segments"]


def test_a_second_watcher_says_the_index_is_busy(tmp_path, site, fake_embedder, capsys):
    index = tmp_path / "index"
    site.feed("/a.xml", [1])
    with exclusive(index):
        with pytest.raises(BuildError, match="another build or watcher is writing"):
            run([Source("A", f"{site.base}/a.xml")], index, fake_embedder)
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - name: A\n    url: {site.base}/a.xml\n", encoding="utf-8")
    with exclusive(index):
        assert cli(["watch", str(sources), "--index", str(index)]) == 3
    assert "another build or watcher" in capsys.readouterr().err


def test_intervals_skip_sources_checked_recently(tmp_path, site, fake_embedder):
    index = tmp_path / "index"
    site.feed("/a.xml", [1])
    site.feed("/b.xml", [2])
    sources = [Source("A", f"{site.base}/a.xml", interval_s=3600), Source("B", f"{site.base}/b.xml", interval_s=1)]
    run(sources, index, fake_embedder, force=False)
    time.sleep(1.1)
    report = run(sources, index, fake_embedder, force=False)
    assert [r.status for r in report.sources] == ["skipped", "unchanged"]
    assert [r.status for r in run(sources, index, fake_embedder, force=True).sources] == ["unchanged", "unchanged"]


def test_segments_compact_and_retag_into_one_base_keeping_the_watch_state(tmp_path, site, fake_embedder):
    index = tmp_path / "index"
    for numbers in ([1], [1, 2], [1, 2, 3]):
        site.feed("/a.xml", numbers)
        run([Source("A", f"{site.base}/a.xml")], index, fake_embedder)
    grown = diplodash.load_index(index)
    assert len(grown.manifest["segments"]) == 2
    # Any Parquet engine reads the index as it is: the base's files, then each listed segment's.
    import json

    import pyarrow.dataset as ds

    listed = json.loads((index / "manifest.json").read_text())["segments"]
    files = [str(index / "paragraphs.parquet")] + [str(index / SEGMENTS / name / "paragraphs.parquet") for name in listed]
    assert ds.dataset(files, format="parquet").to_table(columns=["paragraph_id"]).column(0).to_pylist() == \
        grown.paragraphs.paragraph_id.tolist()
    with exclusive(index):
        compact(index)
    folded = diplodash.load_index(index)
    assert folded.manifest["segments"] == [] and not any((index / SEGMENTS).glob("*"))
    pd.testing.assert_frame_equal(folded.paragraphs[["paragraph_id", "text"]], grown.paragraphs[["paragraph_id", "text"]])
    np.testing.assert_allclose(folded.embeddings, grown.embeddings)
    assert len(folded.theme_scores) == len(grown.theme_scores)
    assert run([Source("A", f"{site.base}/a.xml")], index, fake_embedder).sources[0].reason == "no new entries"

    site.feed("/a.xml", [1, 2, 3, 4])
    run([Source("A", f"{site.base}/a.xml")], index, fake_embedder)
    retag(index, embedder=HashEmbedder())
    retagged = diplodash.load_index(index)
    assert retagged.manifest["segments"] == [] and len(retagged.articles) == 4
    assert run([Source("A", f"{site.base}/a.xml")], index, fake_embedder).sources[0].reason == "no new entries"


def test_sources_file_errors_name_the_source_and_the_field(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - name: A\n    url: ftp://example.org/feed\n", encoding="utf-8")
    with pytest.raises(SourcesError, match=r"source 1 \(A\): url must start with http"):
        load_sources(path)
    path.write_text("sources:\n  - name: A\n    url: https://example.org/feed\n    interval: soon\n", encoding="utf-8")
    with pytest.raises(SourcesError, match="interval 'soon' is not a duration"):
        load_sources(path)
    path.write_text("sources:\n  - name: A\n    url: https://example.org/\n    kind: listing\n", encoding="utf-8")
    with pytest.raises(SourcesError, match="needs 'links'"):
        load_sources(path)
    assert cli(["watch", str(tmp_path / "missing.yaml"), "--index", str(tmp_path / "index")]) == 2


def test_shipped_sources_file_reads():
    sources = load_sources(ROOT / "data" / "sources.yaml")
    assert len(sources) >= 5 and all(s.url.startswith("https://") for s in sources)


def test_listing_page_source(tmp_path, site, fake_embedder):
    index = tmp_path / "index"
    site.routes["/press"] = Route("<html><body><a href='/news/7.html'>Talks</a> <a href='/about'>About</a>"
                                  "<a href='news/8.html#top'>More</a></body></html>")
    site.routes["/news/7.html"] = Route(article_page(7))
    site.routes["/news/8.html"] = Route(article_page(8))
    report = run([Source("Listing", f"{site.base}/press", kind="listing", links=r"/news/\d+\.html$")], index, fake_embedder)
    assert report.sources[0].new_articles == 2 and site.hits["/about"] == 0


def test_the_scheduled_workflow_runs_one_pass_with_the_real_model(tmp_path, site):
    """The exact `run:` line of .github/workflows/update.yml, as a GitHub runner would execute it."""
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "update.yml").read_text(encoding="utf-8"))
    steps = {step.get("name"): step for step in workflow["jobs"]["watch"]["steps"]}
    command = steps["one pass over the sources"]["run"]
    site.feed("/a.xml", [1, 2])
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - name: Ministry A\n    url: {site.base}/a.xml\n", encoding="utf-8")
    env = {**os.environ, "DIPLODASH_SOURCES": str(sources), "DIPLODASH_INDEX": str(tmp_path / "index"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Ministry A: new: 2 new article(s)" in done.stdout
    index = diplodash.load_index(tmp_path / "index")
    assert len(index.articles) == 2 and index.embeddings.shape[1] == 384 and index.statements.sentences > 0


def test_corpus_page_shows_the_last_pass(tmp_path, site, fake_embedder, monkeypatch):
    from .pages import app

    site.feed("/a.xml", [1])
    site.routes["/b.xml"] = Route("down", status=503)
    run([Source("Ministry A", f"{site.base}/a.xml"), Source("Ministry B", f"{site.base}/b.xml")], tmp_path / "index",
        fake_embedder)
    at = app(tmp_path / "index", monkeypatch, "corpus")
    report = at.code[0].value
    assert "Ministry A: new: 1 new article(s)" in report and "Ministry B: failed: " in report and "503" in report
    assert any("Last `diplodash watch` pass" in m.value for m in at.markdown)


def test_every_keeps_passing_until_stopped(tmp_path, site, monkeypatch, capsys):
    import time as clock

    site.feed("/a.xml", [1])
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - name: A\n    url: {site.base}/a.xml\n    interval: 1s\n", encoding="utf-8")
    naps = []

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt  # the user stops it after two passes
        clock_sleep(0)

    clock_sleep = clock.sleep
    monkeypatch.setattr(clock, "sleep", nap)
    monkeypatch.setattr("diplodash.watch.Embedder", lambda *a, **k: HashEmbedder())
    with pytest.raises(KeyboardInterrupt):
        cli(["watch", str(sources), "--index", str(tmp_path / "index"), "--every", "30m", "--force"])
    out = capsys.readouterr().out
    assert naps == [1800.0, 1800.0] and "A: new: 1 new article(s)" in out and "A: unchanged: no new entries" in out


def chinese_page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html lang='zh'><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"


def test_a_watched_chinese_page_joins_the_multilingual_space_through_segments_and_compaction(tmp_path, site, fake_embedder):
    from diplodash.multilingual import FILE

    from .inputs import THREE_VERSIONS

    zh = THREE_VERSIONS["briefing-zh.txt"][2]
    index = tmp_path / "index"
    site.feed("/a.xml", [1, 2])
    site.routes["/news/2.html"] = Route(chinese_page("外交部发言人答记者问", zh[:2]))
    run([Source("A", f"{site.base}/a.xml")], index, fake_embedder)
    first = diplodash.load_index(index)
    assert first.manifest["multilingual"] and set(first.languages) == {"en", "zh"} and (index / FILE).exists()

    site.feed("/a.xml", [1, 2, 3])
    site.routes["/news/3.html"] = Route(chinese_page("外交部发言人例行记者会", zh[2:]))
    run([Source("A", f"{site.base}/a.xml")], index, fake_embedder)
    grown = diplodash.load_index(index)
    segment = index / SEGMENTS / grown.manifest["segments"][0]
    assert (segment / FILE).exists() and grown.multilingual.vectors.shape == (len(grown.paragraphs), 512)
    hit = grown.search("台湾问题是中国内政", k=1, languages=["zh"])
    assert hit.text.iloc[0] == zh[2]  # found in the segment, through the multilingual space
    with exclusive(index):
        compact(index)
    folded = diplodash.load_index(index)
    np.testing.assert_array_equal(folded.multilingual.vectors, grown.multilingual.vectors)
    assert folded.search("台湾问题是中国内政", k=1, languages=["zh"]).text.iloc[0] == zh[2]
