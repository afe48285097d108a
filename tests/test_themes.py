"""Themes: the taxonomy, tagging from stored vectors, re-tagging, timelines and discovery."""
import numpy as np
import pandas as pd
import pytest

import diplodash
from diplodash.build import retag
from diplodash.queries import theme_by, theme_paragraphs, theme_timeline
from diplodash.themes import (TaxonomyError, ThemeScorer, calibrate, load_heads, load_taxonomy, paragraph_context,
                              save_heads, train_heads, tag_paragraphs)

from . import inputs

REQUIRED = {"partnership", "multipolarity", "global-governance", "blocs", "ukraine", "middle-east", "terrorism",
            "sanctions", "taiwan", "trade", "energy", "arms-control", "climate", "elections"}


def test_default_taxonomy_has_the_required_themes():
    themes = load_taxonomy()
    assert REQUIRED <= {t.id for t in themes}
    assert all(t.description and len(t.examples) >= 3 for t in themes)


def test_broken_taxonomy_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text("themes:\n  - id: x\n    description: d\n    keywords: ['(unclosed']\n")
    with pytest.raises(TaxonomyError, match="keyword '\\(unclosed' is not a valid pattern"):
        load_taxonomy(path)
    path.write_text("themes:\n  - label: no id\n")
    with pytest.raises(TaxonomyError, match="needs at least an id and a description"):
        load_taxonomy(path)


def test_keyword_and_similarity_scores_tag_several_themes(fake_embedder):
    themes = load_taxonomy()
    # hashed bag-of-words vectors are far less similar than real ones: a low threshold stands in
    scorer = ThemeScorer(themes, fake_embedder, thresholds={t.id: 0.16 for t in themes})
    texts = pd.Series(["BRICS leaders discussed gas pipeline sanctions.", "The weather was mild."])
    scores = scorer.scores(fake_embedder.encode(list(texts)), texts)
    tags = scorer.tag(scores)
    assert {"blocs", "energy", "sanctions"} <= set(tags[0])
    ids = [t.id for t in themes]
    for theme in ("blocs", "energy", "sanctions"):
        assert scores[0, ids.index(theme)] > scores[1, ids.index(theme)] + 0.1
    assert scores.shape == (2, len(themes))


def test_trained_heads_tag_and_step_aside_when_a_theme_is_redefined(tmp_path, fake_embedder):
    themes = [t for t in load_taxonomy() if t.id in ("energy", "climate")]
    energy = ["Gas exports through the pipeline rose by a fifth.", "Oil output quotas were cut again.",
              "The power grid needs new coal plants.", "Electricity prices doubled this winter."] * 4
    other = ["The minister thanked his hosts for the warm welcome.", "The press conference ended at noon.",
             "Schools reopen in September.", "The football team won the cup."] * 4
    texts = pd.Series(energy + other)
    vectors = fake_embedder.encode(list(texts))
    labels = np.array([[True, False]] * len(energy) + [[False, False]] * len(other))
    scorer = ThemeScorer(themes, fake_embedder)
    similarity, hits = scorer.similarity(vectors, texts)
    heads = train_heads(themes, vectors, similarity, hits, labels)
    assert set(heads) == {"energy"}  # no climate positives, no climate head
    save_heads(tmp_path / "heads.npz", fake_embedder.name, heads)
    loaded = load_heads(fake_embedder.name, themes, tmp_path / "heads.npz")
    assert np.allclose(loaded["energy"].weights, heads["energy"].weights)
    trained = ThemeScorer(themes, fake_embedder, heads=loaded)
    new = pd.Series(["Gas and oil exports rose.", "The minister thanked the hosts."])
    scores = trained.scores(fake_embedder.encode(list(new)), new)
    assert scores[0, 0] > 0.5 > scores[1, 0] and 0 <= scores.min() and scores[:, 0].max() <= 1  # a probability
    assert trained.tag(scores) == [["energy"], []]
    assert load_heads("another/model", themes, tmp_path / "heads.npz") == {}
    themes[0].description = "Energy, redefined by the user."
    assert load_heads(fake_embedder.name, themes, tmp_path / "heads.npz") == {}


def test_heads_with_context_read_the_previous_paragraph_and_the_title(tmp_path, fake_embedder):
    """"It will also help..." says nothing of energy itself: a head trained with context tags it
    from the paragraph before it in its article and from the article's title."""
    paragraphs = pd.DataFrame({"paragraph_id": ["a0", "a1", "b0", "b1"], "article_id": ["a", "a", "b", "b"],
                               "position": [0, 1, 0, 1],
                               "text": ["Gas exports through the pipeline rose.", "It will also help the region.",
                                        "The minister thanked his hosts.", "It will also help the region."]})
    titles = pd.Series(["Gas pipeline deal", "Gas pipeline deal", "Courtesy call", "Courtesy call"])
    themes = [t for t in load_taxonomy() if t.id == "energy"]
    vectors = fake_embedder.encode(list(paragraphs.text))
    scorer = ThemeScorer(themes, fake_embedder)
    context = paragraph_context(paragraphs, vectors, scorer.title_vectors(titles))
    assert np.allclose(context[1, :64], vectors[0]) and not context[0, :64].any()  # the first has no previous
    assert np.allclose(context[2, 64:], fake_embedder.encode(["Courtesy call"])[0])
    similarity, hits = scorer.similarity(vectors, paragraphs.text)
    labels = np.array([[True], [True], [False], [False]] * 5)
    heads = train_heads(themes, np.tile(vectors, (5, 1)), np.tile(similarity, (5, 1)), np.tile(hits, (5, 1)), labels,
                        context=np.tile(context, (5, 1)))
    heads["energy"].threshold = 0.6
    save_heads(tmp_path / "heads.npz", fake_embedder.name, heads)
    loaded = load_heads(fake_embedder.name, themes, tmp_path / "heads.npz")
    assert loaded["energy"].uses_context(64) and loaded["energy"].threshold == 0.6
    tagged, _ = tag_paragraphs(paragraphs, vectors, ThemeScorer(themes, fake_embedder, heads=loaded), titles)
    assert tagged.themes.tolist() == [["energy"], ["energy"], [], []]  # the same words, tagged by their context


def test_calibration_picks_the_f1_best_threshold():
    scores = np.array([[0.9], [0.8], [0.6], [0.3], [0.2]], dtype=np.float32)
    labels = np.array([[1], [1], [1], [0], [0]])
    assert calibrate(scores, labels, ["t"])["t"] == pytest.approx(0.45)


@pytest.fixture
def tagged_index(tmp_path, fake_embedder):
    folder = tmp_path / "corpus"
    folder.mkdir()
    inputs.write_plain(folder)
    inputs.write_jsonl(folder)
    inputs.write_un_speeches(folder)
    out = tmp_path / "index"
    diplodash.build([folder], out, embedder=fake_embedder)
    return out


def test_build_writes_themes_and_scores(tagged_index):
    index = diplodash.load_index(tagged_index)
    assert index.paragraphs.themes.apply(lambda t: isinstance(list(t), list)).all()
    scores = index.theme_scores
    assert list(scores.columns) == ["paragraph_id", "theme", "score", "tagged"]
    assert set(scores.paragraph_id) <= set(index.paragraphs.paragraph_id)
    tagged = scores[scores.tagged].groupby("paragraph_id").theme.apply(set).to_dict()
    for row in index.paragraphs.itertuples():
        assert set(row.themes) == tagged.get(row.paragraph_id, set())
    energy = index.paragraphs[index.paragraphs.text.str.contains("gas supply agreement")].paragraph_id.iloc[0]
    ranked = scores[scores.paragraph_id == energy].sort_values("score", ascending=False).theme.tolist()
    assert {"energy", "trade"} <= set(ranked[:3])  # the keyword themes lead (a "grain corridor" also reads as Ukraine)
    assert index.theme_labels["arms-control"] == "Nuclear weapons and arms control"


def test_retag_uses_the_new_taxonomy_without_embedding_paragraphs(tagged_index, tmp_path, fake_embedder):
    taxonomy = tmp_path / "mine.yaml"
    taxonomy.write_text("themes:\n  - id: grain\n    label: Grain\n    description: grain corridors and harvests\n"
                        "    examples: [The grain corridor reopened.]\n    keywords: ['grain']\n")
    before = (tagged_index / "embeddings.npy").stat().st_ino
    calls = fake_embedder.texts
    manifest = retag(tagged_index, taxonomy, embedder=fake_embedder)
    assert fake_embedder.texts - calls == 2  # the description and the one example, no paragraph
    index = diplodash.load_index(tagged_index)
    assert index.theme_labels == {"grain": "Grain"} and manifest["themes"]["digest"]
    grain = index.paragraphs[index.paragraphs.themes.apply(lambda t: "grain" in list(t))]
    assert grain.text.str.contains("grain", case=False).all() and len(grain) >= 1
    assert (tagged_index / "embeddings.npy").stat().st_ino == before  # the vectors file is linked, not rewritten


def test_a_retag_scores_again_only_the_themes_that_changed_and_matches_a_full_retag(tagged_index, tmp_path, fake_embedder):
    import shutil

    import yaml

    from diplodash.themes import DEFAULT_TAXONOMY

    entries = yaml.safe_load(DEFAULT_TAXONOMY.read_text())["themes"]
    energy = next(e for e in entries if e["id"] == "energy")
    energy["examples"] = energy["examples"][:3] + ["Gas supply agreement signed for the grain corridor."]
    taxonomy = tmp_path / "edited.yaml"
    taxonomy.write_text(yaml.safe_dump({"themes": entries}))
    full = tmp_path / "full"
    shutil.copytree(tagged_index, full)
    calls = fake_embedder.texts
    first = retag(tagged_index, embedder=fake_embedder)  # the same taxonomy: nothing to score, nothing embedded
    assert first["themes"]["rescored"] == [] and fake_embedder.texts == calls
    incremental = retag(tagged_index, taxonomy, embedder=fake_embedder)
    assert incremental["themes"]["rescored"] == ["energy"]
    everything = retag(full, taxonomy, embedder=fake_embedder, rescore_all=True)
    assert len(everything["themes"]["rescored"]) == len(entries)
    one, other = diplodash.load_index(tagged_index), diplodash.load_index(full)
    assert one.paragraphs.themes.map(list).tolist() == other.paragraphs.themes.map(list).tolist()
    pd.testing.assert_frame_equal(one.theme_scores, other.theme_scores)
    assert incremental["themes"]["thresholds"] == everything["themes"]["thresholds"]


def test_timeline_shares_and_the_paragraphs_behind_a_point():
    paragraphs = pd.DataFrame({
        "paragraph_id": ["a", "b", "c", "d", "e"], "article_id": ["1", "1", "2", "3", "4"], "position": [0, 1, 0, 0, 0],
        "published": pd.to_datetime(["2024-01-05", "2024-01-05", "2024-01-20", "2024-02-02", "2024-01-01"]),
        "date_precision": ["day", "day", "day", "day", "year"], "source": ["A", "A", "B", "A", "UN"],
        "speakers": [["X"], [], ["Y"], ["X"], ["Z"]],
        "themes": [["ukraine"], ["ukraine", "energy"], [], ["energy"], ["ukraine"]]})
    monthly = theme_timeline(paragraphs, "month")
    january = monthly[(monthly.theme == "ukraine") & (monthly.period == pd.Timestamp("2024-01-01"))].iloc[0]
    assert (january.paragraphs, january.total, january.share) == (2, 3, pytest.approx(2 / 3))  # the year-only row is left out
    yearly = theme_timeline(paragraphs, "year")
    assert yearly[yearly.theme == "ukraine"].paragraphs.tolist() == [3]
    by_source = theme_timeline(paragraphs, "month", by="source")
    assert by_source[(by_source.theme == "energy") & (by_source.source == "A")].share.tolist() == [0.5, 1.0]
    behind = theme_paragraphs(paragraphs, "ukraine", "2024-01-01", "month")
    assert behind.paragraph_id.tolist() == ["a", "b"]
    by_speaker = theme_timeline(paragraphs, "month", by="speaker")
    assert by_speaker.groupby("speaker").paragraphs.sum().to_dict() == {"X": 2, "Y": 0}  # Y spoke, on no theme
    assert monthly[(monthly.theme == "energy") & (monthly.period == pd.Timestamp("2024-01-01"))].share.tolist() == [pytest.approx(1 / 3)]
    heat = theme_by(paragraphs, "source")
    assert heat[(heat.source == "A") & (heat.theme == "energy")].share.tolist() == [pytest.approx(2 / 3)]


def test_discover_proposes_themes_from_unclaimed_paragraphs(tmp_path):
    import yaml

    from diplodash.discovery import as_taxonomy_stub, discover

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(2, 16))
    topics = [("fisheries quota fisheries quota boats", 0), ("vaccine doses vaccine doses clinics", 1)]
    rows, vectors = [], []
    for number in range(24):
        words, topic = topics[number % 2]
        rows.append({"paragraph_id": f"p{number}", "kind": "body", "n_words": 20, "themes": [],
                     "text": f"Officials discussed {words} again in meeting {number} with many more words to read here."})
        vectors.append(centres[topic] + 0.05 * rng.normal(size=16))
    rows.append({"paragraph_id": "tagged", "kind": "body", "n_words": 20, "themes": ["trade"], "text": "x " * 20})
    vectors.append(rng.normal(size=16))
    paragraphs = pd.DataFrame(rows)
    matrix = np.array(vectors, dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    proposals = discover(paragraphs, matrix, clusters=2, min_size=5)
    assert sorted(p["size"] for p in proposals) == [12, 12]
    keywords = [" ".join(p["keywords"]) for p in proposals]
    assert any("fisheries" in k and "quota" in k for k in keywords) and any("vaccine" in k and "doses" in k for k in keywords)
    assert all("tagged" not in p["paragraph_ids"] and len(p["representative"]) == 3 for p in proposals)
    stub = yaml.safe_load(as_taxonomy_stub(proposals))
    assert len(stub["themes"]) == 2 and all(t["id"].startswith("proposed-") and t["examples"] for t in stub["themes"])


def test_keywords_with_alternatives_keep_their_word_boundaries_in_re2():
    from diplodash.themes import Theme

    theme = Theme("ukraine", "Ukraine", "war", keywords=[r"\bdnipro\b|\bdnepr", r"grain (?:corridor|deal)"])
    assert r"\b" not in theme.keyword_pattern  # Arrow's RE2 runs \b as a slow Unicode class
    texts = pd.Series(["Strikes on Dnipro overnight", "the Dneprovsky district", "xdnipro.com", "the grain deal lapsed",
                       "grain prices"]).astype("string[pyarrow]")
    assert texts.str.contains(theme.keyword_pattern, case=False, regex=True).tolist() == [True, True, False, True, False]
