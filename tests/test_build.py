"""The build end to end with a fast stand-in embedder: the on-disk contract, caching, atomicity."""
import json

import numpy as np
import pandas as pd
import pytest

import diplodash
from diplodash.build import build_lock
from diplodash.index import ARTICLE_COLUMNS, PARAGRAPH_COLUMNS, SCHEMA_VERSION, SPEAKER_COLUMNS, THEME_COLUMNS

from . import inputs


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    inputs.write_plain(folder)
    inputs.write_markdown(folder)
    inputs.write_table_csv(folder)
    return folder


def test_index_on_disk_follows_the_contract(corpus, tmp_path, fake_embedder):
    out = tmp_path / "index"
    manifest = diplodash.build([corpus], out, embedder=fake_embedder)
    assert sorted(p.name for p in out.iterdir()) == ["articles.parquet", "embeddings.npy", "manifest.json",
                                                     "paragraph_themes.parquet", "paragraphs.parquet"]
    articles = pd.read_parquet(out / "articles.parquet")
    paragraphs = pd.read_parquet(out / "paragraphs.parquet")
    embeddings = np.load(out / "embeddings.npy")
    assert list(articles.columns) == ARTICLE_COLUMNS and list(paragraphs.columns) == PARAGRAPH_COLUMNS + SPEAKER_COLUMNS + THEME_COLUMNS
    assert len(articles) == 4 and articles.n_paragraphs.sum() == len(paragraphs)
    assert embeddings.dtype == np.float32 and embeddings.shape == (len(paragraphs), fake_embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-5)
    # row i of the matrix is the vector of paragraph row i
    np.testing.assert_allclose(embeddings[7], fake_embedder.encode([paragraphs.text[7]])[0], atol=1e-6)
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk["schema_version"] == SCHEMA_VERSION and on_disk["model"] == fake_embedder.name
    assert on_disk["dim"] == fake_embedder.dim
    assert on_disk["counts"] == {"articles": 4, "paragraphs": len(paragraphs), "sources": 3}
    assert on_disk["n_embedded"] == len(paragraphs) and on_disk["n_reused"] == 0
    assert on_disk["inputs"] == [str(corpus)] and manifest["build_seconds"] > 0
    assert [e["reason"] for e in on_disk["errors"]] == ["1 row(s) skipped (row 3: empty 'body' column)"]


def test_rebuild_reuses_every_vector_and_new_article_embeds_only_its_paragraphs(corpus, tmp_path, fake_embedder):
    out = tmp_path / "index"
    first = diplodash.build([corpus], out, embedder=fake_embedder)
    computed = fake_embedder.texts
    again = diplodash.build([corpus], out, embedder=fake_embedder)
    assert again["n_embedded"] == 0 and again["n_reused"] == first["counts"]["paragraphs"]
    assert fake_embedder.texts == computed
    inputs.write_jsonl(corpus)
    more = diplodash.build([corpus], out, embedder=fake_embedder)
    assert more["n_embedded"] == 2 and fake_embedder.texts == computed + 2
    assert more["counts"]["articles"] == 6


def test_search_returns_best_paragraph_first(corpus, tmp_path, fake_embedder):
    out = tmp_path / "index"
    diplodash.build([corpus], out, embedder=fake_embedder)
    index = diplodash.load_index(out)
    index._embedder = fake_embedder
    target = index.paragraphs[index.paragraphs.text.str.startswith("Berg said the sides signed")].iloc[0]
    hits = index.search(target.text, k=3)
    assert list(hits.columns[:7]) == ["paragraph_id", "article_id", "score", "text", "title", "published", "source"]
    assert hits.paragraph_id[0] == target.paragraph_id and hits.score[0] == pytest.approx(1.0, abs=1e-5)
    assert hits.title[0] == "Ministers of Veldoria and Ostrava pledge a partnership of equals"
    assert list(hits.score) == sorted(hits.score, reverse=True)
    assert index.search("   ").empty
    only_palace = index.search(target.text, k=50, sources=["example-palace.vd"])
    assert set(only_palace.source) == {"example-palace.vd"} and "heading" not in set(only_palace.kind)


def test_failed_build_keeps_the_previous_index(corpus, tmp_path, fake_embedder):
    out = tmp_path / "index"
    diplodash.build([corpus], out, embedder=fake_embedder)
    before = (out / "paragraphs.parquet").read_bytes()
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "empty.txt").write_text("")
    with pytest.raises(diplodash.BuildError, match="nothing valid to build: error: .*empty.txt: empty file"):
        diplodash.build([junk], out, embedder=fake_embedder)
    assert (out / "paragraphs.parquet").read_bytes() == before
    assert len(diplodash.load_index(out).paragraphs) > 0
    assert not list(tmp_path.glob(".index.building-*"))


def test_a_second_build_is_told_the_index_is_busy(corpus, tmp_path, fake_embedder):
    out = tmp_path / "index"
    with build_lock(out):
        with pytest.raises(diplodash.BuildError, match="another build"):
            diplodash.build([corpus], out, embedder=fake_embedder, wait=0)


def test_index_of_another_schema_is_refused_with_a_clear_message(corpus, tmp_path, fake_embedder):
    out = tmp_path / "index"
    diplodash.build([corpus], out, embedder=fake_embedder)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["schema_version"] = 0
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(diplodash.IndexUnavailable, match="schema version 0.*rebuild it"):
        diplodash.load_index(out)
    with pytest.raises(diplodash.IndexUnavailable, match="no DiploDash index at"):
        diplodash.load_index(tmp_path / "nowhere")


def test_damaged_cache_shard_is_rebuilt_not_served(corpus, tmp_path, fake_embedder, isolated_cache):
    out = tmp_path / "index"
    first = diplodash.build([corpus], out, embedder=fake_embedder)
    shards = list(isolated_cache.rglob("shard-*.npz"))
    assert shards
    for shard in shards:
        shard.write_bytes(shard.read_bytes()[:200])  # truncated, as by a crash or a full disk
    second = diplodash.build([corpus], out, embedder=fake_embedder)
    assert second["n_embedded"] == first["counts"]["paragraphs"]
    assert any("damaged, rebuilt" in e["reason"] for e in second["errors"])
    np.testing.assert_allclose(np.linalg.norm(np.load(out / "embeddings.npy"), axis=1), 1, atol=1e-5)
    assert second["counts"] == first["counts"]
