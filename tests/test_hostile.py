"""Nothing lost, nothing injected: hostile inputs, killed builds, damaged caches, concurrency."""
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import diplodash

from .conftest import ROOT
from .hostile import write_hostile_set


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    from .conftest import HashEmbedder

    root = tmp_path_factory.mktemp("hostile")
    expected = write_hostile_set(root / "inputs")
    before = {p for p in root.rglob("*") if not p.is_symlink()}
    manifest = diplodash.build([root / "inputs"], root / "out" / "index", embedder=HashEmbedder(),
                               cache_dir=root / "out" / "cache")
    after = {p for p in root.rglob("*") if not p.is_symlink()}
    return root, expected, manifest, after - before


def test_every_valid_article_is_built(hostile_build):
    root, expected, manifest, _ = hostile_build
    index = diplodash.load_index(root / "out" / "index")
    titles = set(index.articles.title)
    assert {"Déclaration de Genève", "Joint statement", "A very long record", "Page with script", "Fine", "Good row",
            "Undated statement", "Statement from the future", "Talks on the corridor",
            "Ministers of Veldoria and Ostrava pledge a partnership of equals"} <= titles
    assert len(index.paragraphs[index.paragraphs.article_id.isin(
        index.articles[index.articles.title == "A very long record"].article_id)]) == 10_000
    assert not index.paragraphs.text.str.contains("alert\\(", regex=True).any()
    inside = index.articles[index.articles.path.str.endswith("slip.zip!inside/ok.txt")]
    assert len(inside) == 1  # the safe zip member is read; the unsafe ones are not
    undated = index.articles.set_index("title").loc[["Undated statement", "Statement from the future"]]
    assert undated.published.isna().all()


def test_every_bad_file_has_one_line_with_its_reason(hostile_build):
    root, expected, manifest, _ = hostile_build
    report = [(Path(e["name"].split("!")[0].split(" row ")[0]).name, e["reason"]) for e in manifest["errors"]]
    for name, reason in expected.items():
        lines = [r for n, r in report if n == name]
        if reason is None:
            assert not [r for r in lines if "same article" not in r], (name, lines)
        else:
            assert any(reason in r for r in lines), (name, reason, lines)
    assert all("\n" not in e["reason"] for e in manifest["errors"])


def test_nothing_is_written_outside_the_output_folder(hostile_build):
    root, _, _, created = hostile_build
    assert created and all(p == root / "out" or (root / "out") in p.parents for p in created)
    assert not list(root.rglob("escaped.txt")) and not Path("/etc/absolute.txt").exists()


def test_peak_memory_stays_bounded(tmp_path):
    write_hostile_set(tmp_path / "inputs", big_mb=50)
    script = f"""
import resource, sys
sys.path.insert(0, {str(ROOT)!r})
from tests.conftest import HashEmbedder
import diplodash
diplodash.build([{str(tmp_path / 'inputs')!r}], {str(tmp_path / 'index')!r}, embedder=HashEmbedder(),
                cache_dir={str(tmp_path / 'cache')!r})
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""
    # The same build reads 542-549 MB run on its own and 1,223-1,378 MB when the full suite has run
    # other tests first (CI, 2026-12-02), with or without numpy's huge pages; the cause is not found
    # yet. The bound still catches a 50 MB input blowing up to gigabytes.
    env = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": "0"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=env)
    peak_mb = int(result.stdout.strip().splitlines()[-1])
    assert peak_mb < 1600, f"peak resident memory {peak_mb} MB"


SLOW_BUILD = """
import sys, time
sys.path.insert(0, {root!r})
from tests.conftest import HashEmbedder
import diplodash

class Slow(HashEmbedder):
    def encode(self, texts):
        time.sleep(0.002 * len(texts))
        return super().encode(texts)

import diplodash.statements
diplodash.statements.CHUNK = 200  # vectors reach the cache every 200 paragraphs
print(diplodash.build([{corpus!r}], {out!r}, embedder=Slow(), cache_dir={cache!r})["n_reused"])
"""


def test_killed_builds_leave_the_previous_index_and_the_next_reuses_the_cache(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(30):
        (corpus / f"a{number}.txt").write_text(f"Article {number}\nPublished: 2023-01-{number % 28 + 1:02d}\n\n" + "\n\n".join(
            f"Paragraph {i} of article {number} talks about topic {i * number} at length." for i in range(60)))
    out, cache = tmp_path / "index", tmp_path / "cache"
    first_corpus = tmp_path / "first"
    first_corpus.mkdir()
    (first_corpus / "one.txt").write_text("Only one\nPublished: 2022-01-01\n\nA single paragraph of news.\n")
    script = SLOW_BUILD.format(root=str(ROOT), corpus=str(first_corpus), out=str(out), cache=str(cache))
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert len(diplodash.load_index(out).paragraphs) == 1
    rng = random.Random(7)
    script = SLOW_BUILD.format(root=str(ROOT), corpus=str(corpus), out=str(out), cache=str(cache))
    for attempt in range(4):
        process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
        if attempt == 0:
            time.sleep(rng.uniform(0.5, 2.0))  # while importing or reading
        else:  # mid-embedding: once a new cache shard has landed, at a random moment after it
            shards = len(list(cache.rglob("shard-*.npz")))
            deadline = time.time() + 60
            while len(list(cache.rglob("shard-*.npz"))) <= shards and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        index = diplodash.load_index(out)  # never half-written: the old one or a complete new one
        assert len(index.paragraphs) in (1, 1800) and index.embeddings.shape[0] == len(index.paragraphs)
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    assert int(finished.stdout.strip().splitlines()[-1]) > 0  # vectors computed before the kills were reused
    index = diplodash.load_index(out)
    assert len(index.paragraphs) == 1800 and not list(tmp_path.glob(".index.building-*"))
    np.testing.assert_allclose(np.linalg.norm(index.embeddings, axis=1), 1, atol=1e-5)


def test_twenty_concurrent_searches_return_the_right_results(tmp_path, fake_embedder):
    from . import inputs

    folder = tmp_path / "corpus"
    folder.mkdir()
    inputs.write_plain(folder)
    inputs.write_jsonl(folder)
    diplodash.build([folder], tmp_path / "index", embedder=fake_embedder)
    index = diplodash.load_index(tmp_path / "index")
    index._embedder = fake_embedder
    texts = index.paragraphs[index.paragraphs.kind == "body"].text.tolist()
    expected = {t: index.search(t, k=1).text[0] for t in texts}
    results, errors = {}, []

    def worker(number):
        try:
            text = texts[number % len(texts)]
            results[number] = (text, index.search(text, k=1).text[0])
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 20
    assert all(expected[text] == found for text, found in results.values())


def test_two_builds_at_once_take_turns(tmp_path, fake_embedder):
    from . import inputs

    folder = tmp_path / "corpus"
    folder.mkdir()
    inputs.write_plain(folder)
    outcomes = []

    def run(wait):
        try:
            outcomes.append(diplodash.build([folder], tmp_path / "index", embedder=fake_embedder, wait=wait)["counts"])
        except diplodash.BuildError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=run, args=(-1,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and all(isinstance(o, dict) for o in outcomes)
    assert len(diplodash.load_index(tmp_path / "index").articles) == 1


def test_a_build_in_another_process_holds_the_lock(tmp_path, fake_embedder):
    """Two users, two processes: the loser is told at once (wait=0) and the live index is untouched."""
    from . import inputs

    folder = tmp_path / "corpus"
    folder.mkdir()
    inputs.write_plain(folder)
    index = tmp_path / "index"
    diplodash.build([folder], index, embedder=fake_embedder)
    before = {str(p.relative_to(index)): p.read_bytes() for p in index.rglob("*") if p.is_file()}
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from diplodash.build import exclusive\n"
         "with exclusive(sys.argv[1]):\n    print('locked', flush=True); time.sleep(30)", str(index)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(diplodash.BuildError, match="another build of .* is running"):
            diplodash.build([folder], index, embedder=fake_embedder, wait=0)
    finally:
        holder.kill()
        holder.wait()
    assert {str(p.relative_to(index)): p.read_bytes() for p in index.rglob("*") if p.is_file()} == before
    assert diplodash.build([folder], index, embedder=fake_embedder, wait=5)["counts"]["articles"] == 1
