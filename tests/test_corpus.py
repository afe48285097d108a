"""The Corpus page through streamlit's AppTest: read-only by default, and with editing on (operator
settings) building, uploads, publishers, the build report. Also how the README serves the app."""
import io
import os
import shlex
import socket
import subprocess
import sys
import re
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import diplodash
from diplodash.settings import InputRefused, Settings, load

from . import inputs
from .conftest import ROOT
from .pages import app

# Stands for a secrets file on the server: no page may ever show it (no markdown characters, so
# escaping could not hide it from the check).
SECRET = "TOKEN7f3a9c2e"
PAGES = ["corpus", "articles", None, "themes", "speakers", "search"]  # Corpus first: a build there would show on Articles


@pytest.fixture(autouse=True)
def operator(tmp_path, monkeypatch):
    """Defaults, as on a fresh server, with the workspace in the test's folder."""
    for name in ("DIPLODASH_EDITING", "DIPLODASH_ALLOWED_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DIPLODASH_WORKSPACE", str(tmp_path / "workspace"))


def editing(monkeypatch, root: Path | None = None) -> None:
    monkeypatch.setenv("DIPLODASH_EDITING", "1")
    if root is not None:
        monkeypatch.setenv("DIPLODASH_ALLOWED_ROOT", str(root))


def article(title: str, day: str, body: str, source: str | None = None) -> bytes:
    return (f"{title}\nPublished: {day}\n" + (f"Source: {source}\n" if source else "") + f"\n{body}\n").encode()


def secret_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_bytes(article("Server notes", "2024-01-02", f"The deploy token is {SECRET} for now."))
    return folder


def small_index(tmp_path: Path, embedder) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    inputs.write_plain(folder)
    diplodash.build([folder], tmp_path / "index", embedder=embedder)
    return tmp_path / "index"


def page_text(at: AppTest) -> str:
    """Everything the page sends to the browser, as text."""
    nodes = [*at.main, *at.sidebar]
    return "\n".join([str(getattr(node, "proto", "")) for node in nodes] + [d.value.to_csv() for d in at.dataframe])


def open_without_index(monkeypatch, page: str) -> AppTest:
    """The app as a fresh server runs it: no DIPLODASH_INDEX."""
    monkeypatch.delenv("DIPLODASH_INDEX", raising=False)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def test_read_only_by_default_no_page_reads_a_server_path(tmp_path, monkeypatch, real_embedder):
    index = small_index(tmp_path, real_embedder)
    outside = secret_folder(tmp_path)
    before = (index / "manifest.json").read_bytes()
    link = {"folder": str(outside), "path": str(outside / "secret.txt"), "index": str(outside), "q": str(outside)}
    for page in PAGES:
        at = app(index, monkeypatch, page, **link)
        for box in range(len(at.text_input)):  # type the path into every box, then press every button
            at.text_input[box].input(str(outside / "secret.txt")).run()
        for button in range(len(at.button)):
            at.button[button].click().run()
        assert not at.exception and SECRET not in page_text(at), page
    at = app(index, monkeypatch, "corpus")
    assert not at.get("file_uploader") and not at.text_input and not [b for b in at.button if b.key == "build"]
    assert "1 articles" in at.markdown[0].value and str(index) not in page_text(at)  # no server path either
    assert any("read-only" in i.value and "DIPLODASH_EDITING=1" in i.value for i in at.info)
    assert (index / "manifest.json").read_bytes() == before
    assert not (tmp_path / "workspace").exists()


def test_typed_inputs_are_checked_against_the_operator_settings(tmp_path):
    root = tmp_path / "root"
    (root / "articles").mkdir(parents=True)
    outside = secret_folder(tmp_path)
    (root / "link").symlink_to(outside)
    read_only = load(environ={"DIPLODASH_ALLOWED_ROOT": str(root)})
    for typed in ("articles", str(root / "articles"), "https://example.org/feed.xml"):
        with pytest.raises(InputRefused, match="read-only.*DIPLODASH_EDITING"):
            read_only.check_input(typed)
    no_root = load(environ={"DIPLODASH_EDITING": "yes"})
    assert no_root.check_input(" https://example.org/feed.xml ") == "https://example.org/feed.xml"
    with pytest.raises(InputRefused, match="DIPLODASH_ALLOWED_ROOT"):
        no_root.check_input(str(root / "articles"))
    allowed = load(environ={"DIPLODASH_EDITING": "on", "DIPLODASH_ALLOWED_ROOT": str(root)})
    assert allowed.check_input("articles") == allowed.check_input(str(root / "articles")) == str((root / "articles").resolve())
    for typed in (str(outside), "../outside", "articles/../../outside", "link", "/"):
        with pytest.raises(InputRefused, match="outside the folder DIPLODASH_ALLOWED_ROOT allows"):
            allowed.check_input(typed)
    for typed in (f"file://{outside}/secret.txt", "ftp://example.org/x"):
        with pytest.raises(InputRefused, match="Cannot read"):
            allowed.check_input(typed)
    with pytest.raises(InputRefused, match="No such file or folder"):
        allowed.check_input("missing")
    assert load(environ={}, secrets={"DIPLODASH_EDITING": True}).editing  # a TOML secret may be a boolean
    assert not load(environ={"DIPLODASH_EDITING": "0"}, secrets={"DIPLODASH_EDITING": "1"}).editing


def test_which_index_is_served_and_where_an_editing_build_writes(tmp_path):
    from diplodash.settings import SAMPLE_INDEX

    workspace = tmp_path / "workspace"
    fresh = Settings(workspace=workspace)
    assert fresh.served_index() == SAMPLE_INDEX and fresh.build_target() == workspace / "index"
    assert fresh.uploads == workspace / "uploads"
    (workspace / "index").mkdir(parents=True)
    (workspace / "index" / "manifest.json").write_text("{}")
    assert fresh.served_index() == workspace / "index"
    own = load(environ={"DIPLODASH_INDEX": str(tmp_path / "mine"), "DIPLODASH_WORKSPACE": str(workspace)})
    assert own.served_index() == own.build_target() == tmp_path / "mine"


def test_editing_refuses_a_path_outside_the_allowed_root_and_builds_nothing(tmp_path, monkeypatch, real_embedder):
    root = tmp_path / "root"
    root.mkdir()
    outside = secret_folder(tmp_path)
    (root / "link").symlink_to(outside)
    editing(monkeypatch, root)
    for typed in (str(outside), str(root / ".." / "outside"), "link", "../outside/secret.txt"):
        at = app(tmp_path / "index", monkeypatch, "corpus")
        at.text_input(key="folder").input(typed).run()
        at.button(key="build").click().run()
        message = at.error[0].value.replace("\\", "")  # shown as text: markdown characters escaped
        assert "outside the folder DIPLODASH_ALLOWED_ROOT allows" in message, message
        assert not (tmp_path / "index").exists() and SECRET not in page_text(at)
    at.text_input(key="folder").input(f"file://{outside}/secret.txt").run()
    at.button(key="build").click().run()
    assert "Cannot read 'file:' addresses" in at.error[0].value.replace("\\", "")
    assert not (tmp_path / "index").exists() and not (tmp_path / "workspace").exists()


def test_corpus_page_builds_a_folder_under_the_allowed_root_and_shows_the_new_counts(tmp_path, monkeypatch, real_embedder):
    root = tmp_path / "root"
    folder = root / "new"
    folder.mkdir(parents=True)
    inputs.write_plain(folder)
    (folder / "empty.txt").write_text("")
    editing(monkeypatch, root)
    at = app(tmp_path / "index", monkeypatch, "corpus")
    assert "No index yet" in at.info[0].value
    at.text_input(key="folder").input("new").run()  # relative to the allowed root
    at.button(key="build").click().run()
    assert not at.exception
    assert at.success[0].value == "Built 1 articles, 6 paragraphs (6 embedded, 0 reused)"
    assert not any("No index yet" in i.value for i in at.info)  # nothing stale from before the build
    assert "**1 articles**, **6 paragraphs**" in at.markdown[0].value
    assert at.dataframe[0].value.reason.tolist() == ["empty file"]
    assert diplodash.load_index(tmp_path / "index").articles.shape[0] == 1
    at.run()  # the build's message was for that run only; the counts stay
    assert not [s for s in at.success if s.value.startswith("Built")] and "**1 articles**" in at.markdown[0].value


def test_corpus_page_uploads_are_safe_and_a_failed_build_keeps_the_index(tmp_path, monkeypatch, real_embedder):
    editing(monkeypatch)  # no allowed root: uploads only
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../escaped.txt", inputs.PLAIN_ARTICLE)
        z.writestr("inner/ok.txt", inputs.PLAIN_ARTICLE)
    at = app(tmp_path / "data" / "index", monkeypatch, "corpus")
    assert not [t for t in at.text_input if t.key == "folder"]
    uploader = at.file_uploader(key="uploads")
    assert {".txt", ".md", ".csv", ".jsonl", ".html", ".xml", ".zip"} <= set(uploader.allowed_type)
    assert ".exe" not in uploader.allowed_type and ".py" not in uploader.allowed_type
    uploader.set_value([("../articles.zip", archive.getvalue(), "application/zip")]).run()
    at.button(key="build").click().run()
    assert not at.exception and at.success[0].value.startswith("Built 1 articles")
    report = at.dataframe[0].value
    assert report.reason.str.contains("unsafe path inside zip").any()
    assert not list(tmp_path.rglob("escaped.txt")) and not (ROOT.parent / "escaped.txt").exists()
    saved = list((tmp_path / "workspace" / "uploads").glob("*/articles.zip"))
    assert len(saved) == 1  # in the workspace, under its bare name
    before = (tmp_path / "data" / "index" / "paragraphs.parquet").read_bytes()
    at = app(tmp_path / "data" / "index", monkeypatch, "corpus")
    at.checkbox(key="keep").uncheck().run()
    at.file_uploader(key="uploads").set_value([("empty.txt", b"", "text/plain")]).run()
    at.button(key="build").click().run()
    assert at.status[0].label == "Build failed: the previous index is unchanged"
    assert (tmp_path / "data" / "index" / "paragraphs.parquet").read_bytes() == before


def test_upload_publisher_comes_from_the_file_else_the_form_else_unknown(tmp_path, monkeypatch, real_embedder):
    editing(monkeypatch)
    own = article("Kovalenko visits Marland", "2023-04-02", "Foreign Minister Anna Kovalenko arrived in Marland "
                  "for two days of talks on the river commission.", source="Nordic Wire")
    plain = article("Ostrava opens a consulate", "2023-05-03", "Ostrava opened a consulate in the port city, "
                    "the ministry said, to serve traders from the south.")
    later = article("Grain corridor reopens", "2023-06-04", "The grain corridor reopened on Monday after "
                    "three weeks of repairs to the lock gates.")
    at = app(tmp_path / "index", monkeypatch, "corpus")
    at.file_uploader(key="uploads").set_value([("own.txt", own, "text/plain"), ("plain.txt", plain, "text/plain")]).run()
    at.text_input(key="publisher").input("Varna Herald").run()
    at.button(key="build").click().run()
    assert at.success[0].value.startswith("Built 2 articles")
    at = app(tmp_path / "index", monkeypatch, "corpus")
    assert at.checkbox(key="keep").value  # the next upload adds to the index
    at.file_uploader(key="uploads").set_value([("later.txt", later, "text/plain")]).run()
    at.button(key="build").click().run()
    articles = diplodash.load_index(tmp_path / "index").articles
    assert dict(zip(articles.title, articles.source)) == {
        "Kovalenko visits Marland": "Nordic Wire", "Ostrava opens a consulate": "Varna Herald",
        "Grain corridor reopens": "unknown"}


def test_an_editing_build_never_writes_into_the_committed_sample_index(tmp_path, monkeypatch, real_embedder):
    editing(monkeypatch)
    sample = ROOT / "data" / "index"
    committed = {str(path.relative_to(sample)): path.read_bytes() for path in sample.rglob("*") if path.is_file()}
    at = open_without_index(monkeypatch, "corpus")
    assert "**63 articles**" in at.markdown[0].value  # the sample is served until a build of one's own
    at.checkbox(key="keep").uncheck().run()
    at.file_uploader(key="uploads").set_value([("plain.txt", inputs.PLAIN_ARTICLE.encode(), "text/plain")]).run()
    at.button(key="build").click().run()
    assert at.success[0].value.startswith("Built 1 articles") and "**1 articles**" in at.markdown[0].value
    assert diplodash.load_index(tmp_path / "workspace" / "index").articles.shape[0] == 1
    assert {str(p.relative_to(sample)): p.read_bytes() for p in sample.rglob("*") if p.is_file()} == committed
    assert not (ROOT / "data" / "workspace").exists() and not (ROOT / "data" / "uploads").exists()


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port` (Linux /proc/net)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads listening sockets from Linux /proc/net")
def test_the_readme_command_serves_the_dashboard_on_localhost_only():
    readme = (ROOT / "README.md").read_text()
    command = next(line for line in readme.splitlines() if "streamlit run app.py" in line and "pip install" in line)
    arguments = shlex.split(command.split("streamlit run", 1)[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", *arguments, "--server.port", str(port),
                                "--server.headless", "true"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                assert time.time() < deadline and process.poll() is None, "streamlit did not start"
                time.sleep(0.3)
        listening = _listening_addresses(port)
        loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1
        assert listening and listening <= loopback, listening
    finally:
        process.terminate()
        process.wait(timeout=20)
    # Community Cloud reaches the app from outside its container and does not override
    # server.address: the config file must leave it unset, only the local command sets it.
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert not re.search(r"(?m)^\s*(address|port)\s*=", config)
