"""The build's map on a Ray runtime (diplodash build --engine ray): the same stage functions as the
local build, the same index row for row."""
import json

import numpy as np
import pandas as pd
import pytest

from diplodash.build import build
from diplodash.index import load_index

from .inputs import write_markdown, write_plain, write_table_csv, write_three_versions

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def runtime():
    from diplodash.engines import RayEngine

    engine = RayEngine(num_cpus=2)  # a local Ray runtime, as CI has no cluster
    yield engine
    ray.shutdown()


def test_a_ray_build_writes_the_same_index_as_the_local_build_row_for_row(tmp_path, runtime, fake_embedder):
    """The stand-in model keeps this test short (actors load it at once); the multilingual model is
    the real one, and bench/engines.py runs the real primary model on Ray."""
    inputs = write_three_versions(tmp_path / "in")
    write_plain(inputs)
    write_markdown(inputs)
    write_table_csv(inputs)
    local = build([str(inputs)], tmp_path / "local", cache_dir=tmp_path / "cache-local", embedder=fake_embedder)
    remote = build([str(inputs)], tmp_path / "ray", cache_dir=tmp_path / "cache-ray", embedder=fake_embedder,
                   engine=runtime)
    assert remote["engine"] == "ray" and local["engine"] == "local"
    assert remote["n_embedded"] == 0  # every vector came from the cluster's actors, through the cache
    a, b = load_index(tmp_path / "local"), load_index(tmp_path / "ray")
    pd.testing.assert_frame_equal(a.articles, b.articles)
    pd.testing.assert_frame_equal(a.paragraphs, b.paragraphs)
    pd.testing.assert_frame_equal(a.theme_scores, b.theme_scores, atol=1e-3)
    np.testing.assert_allclose(a.embeddings, b.embeddings, atol=1e-5)
    np.testing.assert_allclose(a.multilingual.vectors, b.multilingual.vectors, atol=1e-6)
    assert json.loads((tmp_path / "ray" / "manifest.json").read_text())["counts"] == local["counts"]
