"""The build end to end with a fast stand-in embedder: the on-disk contract, caching, atomicity."""
import importlib
import json
from pathlib import Path

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
    assert sorted(p.name for p in out.iterdir()) == ["articles.parquet", "embeddings.npy", "lexical", "manifest.json",
                                                     "paragraph_themes.parquet", "paragraphs.parquet", "statements"]
    # the lexical part is BM25 over the same paragraphs: a name in one paragraph scores there
    from diplodash.lexical import LexicalIndex

    bm25 = LexicalIndex.load(out / "lexical", len(pd.read_parquet(out / "paragraphs.parquet")))
    texts = pd.read_parquet(out / "paragraphs.parquet").text.tolist()
    word = next(w for w in texts[0].split() if len(w) > 6 and w.isalpha())
    scores = bm25.scores(word)
    assert scores.max() == 1.0 and word.lower() in texts[int(scores.argmax())].lower()
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
    # cosine 1 plus the full lexical weight: the paragraph is also the query's best BM25 match
    from diplodash.search import LEXICAL_WEIGHT

    assert hits.paragraph_id[0] == target.paragraph_id and hits.score[0] == pytest.approx(1.0 + LEXICAL_WEIGHT, abs=1e-5)
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


def _tables(index_dir):
    index = diplodash.load_index(index_dir)
    paragraphs = index.paragraphs.drop(columns=["themes"]).map(lambda v: list(v) if hasattr(v, "__len__") and
                                                                not isinstance(v, str) else v)
    return index.articles, paragraphs


def test_a_rebuild_reads_only_what_changed_and_matches_a_fresh_build(corpus, tmp_path, fake_embedder, monkeypatch):
    build_module = importlib.import_module("diplodash.build")

    (corpus / "odd-date.txt").write_text("Odd date note\nPublished: sometime soon\n\nMinister Jonas Berg said hello again.\n")
    out = tmp_path / "index"
    first = diplodash.build([corpus], out, embedder=fake_embedder)
    assert first["n_documents_reused"] == 0
    parsed = []
    real_read = build_module.read_articles
    monkeypatch.setattr(build_module, "read_articles", lambda doc, *a: parsed.append(doc.name) or real_read(doc, *a))

    again = diplodash.build([corpus], out, embedder=fake_embedder)
    assert parsed == [] and again["n_documents_reused"] == 4 and again["n_embedded"] == 0
    assert [e["reason"] for e in again["errors"]] == [e["reason"] for e in first["errors"]]  # the date warning stays
    assert any("cannot read the date" in e["reason"] for e in again["errors"])

    inputs.write_jsonl(corpus)  # one new file, one changed file, one removed file
    (corpus / "readout.md").write_text((corpus / "readout.md").read_text() + "\nThe talks will continue next month.\n")
    (corpus / "odd-date.txt").unlink()
    changed = diplodash.build([corpus], out, embedder=fake_embedder)
    assert sorted(Path(name).name for name in parsed) == ["readout.md", "wire.jsonl"]
    assert changed["n_documents_reused"] == 2 and not any("cannot read the date" in e["reason"] for e in changed["errors"])

    fresh = tmp_path / "fresh"
    diplodash.build([corpus], fresh, embedder=fake_embedder)
    (articles, paragraphs), (fresh_articles, fresh_paragraphs) = _tables(out), _tables(fresh)
    pd.testing.assert_frame_equal(articles.drop(columns=["document"]), fresh_articles.drop(columns=["document"]))
    pd.testing.assert_frame_equal(paragraphs, fresh_paragraphs)
    assert diplodash.load_index(out).paragraphs.themes.map(list).tolist() == \
        diplodash.load_index(fresh).paragraphs.themes.map(list).tolist()


def test_new_speaker_tables_or_a_repeated_article_are_not_served_from_the_previous_build(corpus, tmp_path, fake_embedder):
    out = tmp_path / "index"
    diplodash.build([corpus], out, embedder=fake_embedder)
    roles = tmp_path / "roles.yaml"
    roles.write_text("people:\n  - name: Jonas Berg\n    aliases: [J. Berg]\n")
    assert diplodash.build([corpus], out, embedder=fake_embedder, roles=[roles])["n_documents_reused"] == 0
    copy = tmp_path / "copy"
    copy.mkdir()
    inputs.write_plain(copy, name="same-article.txt")
    manifest = diplodash.build([corpus, copy], out, embedder=fake_embedder, roles=[roles])
    assert manifest["n_documents_reused"] == 3
    assert any(e["reason"].startswith("same article as") and "same-article.txt" in e["name"] for e in manifest["errors"])


def test_default_source_names_only_the_articles_that_name_no_publisher(tmp_path, fake_embedder):
    from diplodash.sources import save_uploads

    folder = tmp_path / "20261201-075926"  # named like an upload folder: never a publisher
    folder.mkdir()
    inputs.write_plain(folder)      # no publisher, no URL
    inputs.write_jsonl(folder)      # publisher "Example Wire"
    inputs.write_markdown(folder)   # a source URL: its site
    built = diplodash.build([folder], tmp_path / "index", embedder=fake_embedder, default_source="Desk")
    sources = set(diplodash.load_index(tmp_path / "index").articles.source)
    assert sources == {"Desk", "Example Wire", "example-ministry.org"} and built["counts"]["articles"] == 4
    diplodash.build([folder], tmp_path / "index", embedder=fake_embedder)
    assert "20261201-075926" in set(diplodash.load_index(tmp_path / "index").articles.source)  # today's fallback
    upload = save_uploads([("a.txt", inputs.PLAIN_ARTICLE.encode())], tmp_path / "uploads" / "20261201-075926")
    diplodash.build([upload], tmp_path / "uploaded", embedder=fake_embedder)
    assert diplodash.load_index(tmp_path / "uploaded").articles.source.tolist() == ["unknown"]


class LazyHashEmbedder:
    """The hash embedder with a model that loads on first use, as the real one does; batches of 3."""

    def __init__(self, embedder):
        self.inner, self.name, self.dim, self.batch_size, self.loaded = embedder, embedder.name, embedder.dim, 3, False
        self.batch_sizes = []

    def load(self):
        self.loaded = True
        return self

    def encode(self, texts):
        assert self.loaded, "encode before the model was loaded"
        self.batch_sizes.append(len(texts))
        return self.inner.encode(texts)


def test_progress_says_model_before_embedding_and_moves_every_batch(corpus, tmp_path, fake_embedder):
    from diplodash.build import describe_progress

    embedder = LazyHashEmbedder(fake_embedder)
    events = []
    manifest = diplodash.build([corpus], tmp_path / "index", embedder=embedder,
                               progress=lambda stage, done, total: events.append((stage, done, total)))
    stages = [stage for stage, _, _ in events]
    assert stages.count("model") == 1 and stages.index("model") < stages.index("embed")
    total = manifest["n_embedded"]
    embedded = [done for stage, done, _ in events if stage == "embed"]
    assert total > 6 and embedded == [0, *range(3, total, 3), total]  # an event per batch of 3
    assert {t for stage, _, t in events if stage == "embed"} == {total}
    paragraph_batches = embedder.batch_sizes[:len(embedded) - 1]  # then the themes' own texts, in one call
    assert sum(paragraph_batches) == total and max(paragraph_batches) == 3  # each paragraph encoded once
    assert stages[-1] == "done"
    assert describe_progress("model", 0, None)[1].startswith("loading the model")
    assert describe_progress("embed", 6, 12) == (0.5, "embedding 6 of 12 new paragraphs")
    again = []
    diplodash.build([corpus], tmp_path / "index", embedder=LazyHashEmbedder(fake_embedder),
                    progress=lambda *event: again.append(event))
    assert "model" not in [stage for stage, _, _ in again]  # nothing to embed: the model is not loaded


def test_upgraded_attribution_code_reaches_every_document_on_a_rebuild(corpus, tmp_path, fake_embedder, monkeypatch):
    build_module = importlib.import_module("diplodash.build")
    rules = tmp_path / "speakers.py"  # stands for the attribution module's source
    rules.write_text("# rules v1\n")
    monkeypatch.setattr(build_module, "_READER_CODE", [*build_module._READER_CODE, rules])
    out = tmp_path / "index"
    diplodash.build([corpus], out, embedder=fake_embedder)
    assert diplodash.build([corpus], out, embedder=fake_embedder)["n_documents_reused"] == 3
    rules.write_text("# rules v2\n")
    upgraded = diplodash.build([corpus], out, embedder=fake_embedder)
    assert upgraded["n_documents_reused"] == 0 and upgraded["n_embedded"] == 0  # re-read, vectors still cached
