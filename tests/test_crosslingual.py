"""One space for every language: an index of English, Chinese and Russian articles answers a query
in any of them with the statements that say the same in the others (diplodash.multilingual), while
English paragraphs keep the primary model's vectors and rankings."""
import json

import numpy as np
import pytest

from diplodash.build import build, retag
from diplodash.index import load_index
from diplodash.multilingual import FILE, MODEL, article_versions, in_other_languages

from .inputs import THREE_VERSIONS, write_three_versions

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_three_versions(tmp_path_factory.mktemp("three") / "in")


@pytest.fixture(scope="module")
def mixed(corpus, tmp_path_factory, real_embedder):
    out = tmp_path_factory.mktemp("mixed") / "index"
    build([str(corpus)], out, cache_dir=out.parent / "cache", embedder=real_embedder)
    return out


def text(language: str, number: int) -> str:
    name = {"en": "briefing-en.txt", "zh": "briefing-zh.txt", "ru": "briefing-ru.txt"}[language]
    return THREE_VERSIONS[name][2][number]


def test_an_index_with_chinese_and_russian_gets_the_multilingual_space_and_english_keeps_its_vectors(mixed, real_embedder):
    manifest = json.loads((mixed / "manifest.json").read_text())
    index = load_index(mixed)
    assert manifest["multilingual"]["model"] == MODEL and index.languages[0] == "en"
    assert set(index.paragraphs.language) == {"en", "zh", "ru"}
    vectors = np.load(mixed / FILE)
    assert vectors.shape == (len(index.paragraphs), 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
    english = (index.paragraphs.language == "en").to_numpy()
    # English paragraphs: the primary model's own vectors; the others are read by the multilingual model only.
    assert np.allclose(index.embeddings[english], real_embedder.encode(index.paragraphs.text[english].tolist()), atol=1e-5)
    assert not index.embeddings[~english].any()


@pytest.mark.parametrize("query, language, answer", [
    ("China opposes the unilateral sanctions of the United States", "zh", text("zh", 0)),
    ("China opposes the unilateral sanctions of the United States", "ru", text("ru", 0)),
    ("Taiwan is China's internal affair and outsiders must not interfere", "zh", text("zh", 2)),
    ("两国将扩大可再生能源合作，减少碳排放", "en", text("en", 1)),
    ("Тайвань является внутренним делом Китая", "en", text("en", 2)),
    ("新铁路明年春天开通", "ru", text("ru", 3)),
])
def test_a_query_in_one_language_finds_the_same_statement_in_another(mixed, query, language, answer):
    hits = load_index(mixed).search(query, k=3, languages=[language])
    assert set(hits.language) == {language}
    assert hits.text.iloc[0] == answer


def test_english_search_ranks_english_paragraphs_as_an_english_only_index_does(mixed, corpus, tmp_path, real_embedder):
    english_only = tmp_path / "english"
    english_only.mkdir()
    for name in ("briefing-en.txt", "summit-en.txt"):
        (english_only / name).write_text((corpus / name).read_text(encoding="utf-8"), encoding="utf-8")
    plain = tmp_path / "plain-index"
    build([str(english_only)], plain, cache_dir=tmp_path / "cache", embedder=real_embedder)
    assert not (plain / FILE).exists()  # an English-only index is built as before, without the space
    query = "Beijing will protect its rights against American sanctions"
    before = load_index(plain).search(query, k=10)
    after = load_index(mixed).search(query, k=20)
    assert after.text.iloc[0] == before.text.iloc[0] == text("en", 0)
    assert after[after.language == "en"].text.tolist() == before.text.tolist()
    assert np.allclose(after[after.language == "en"].score, before.score, atol=1e-5)
    assert {"zh", "ru"} <= set(after.language.head(6))  # the other versions are there too, on the same scale


def test_the_same_statement_in_other_languages_and_the_other_versions_of_an_article(mixed):
    index = load_index(mixed)
    first = index.paragraphs[index.paragraphs.text == text("en", 0)].iloc[0]
    versions = in_other_languages(index, first.paragraph_id, k=4)
    assert set(versions.text.head(2)) == {text("zh", 0), text("ru", 0)}
    assert "en" not in set(versions.language)
    chinese = index.paragraphs[index.paragraphs.text == text("zh", 0)].article_id.iloc[0]
    found = article_versions(index, chinese)
    assert sorted(found.language) == ["en", "ru"] and (found.share == 1.0).all()
    summit = index.articles[index.articles.title.str.startswith("Leaders discuss")].article_id.iloc[0]
    assert article_versions(index, summit).empty  # nothing in another language says what it says


def test_chinese_and_russian_paragraphs_are_tagged_from_the_same_taxonomy_and_a_retag_keeps_the_space(mixed, tmp_path):
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(mixed, copy)
    index = load_index(copy)
    themes = dict(zip(index.paragraphs.text, index.paragraphs.themes.map(list)))
    for language in ("en", "zh", "ru"):
        assert "sanctions" in themes[text(language, 0)] and "taiwan" in themes[text(language, 2)]
        assert "climate" in themes[text(language, 1)]
    manifest = retag(copy)
    assert manifest["multilingual"]["model"] == MODEL and "multilingual_thresholds" in manifest["themes"]
    again = load_index(copy)
    assert np.array_equal(again.multilingual.vectors, index.multilingual.vectors)
    assert dict(zip(again.paragraphs.text, again.paragraphs.themes.map(list))) == themes
    assert again.search("中方反对单边制裁", k=1, languages=["en"]).text.iloc[0] == text("en", 0)


def test_search_page_an_english_query_read_in_chinese_then_the_other_versions_of_a_hit(mixed, monkeypatch):
    from .pages import app, url

    paragraphs = load_index(mixed).paragraphs.set_index("text")
    at = app(mixed, monkeypatch, "search", q="China opposes the unilateral sanctions of the United States", lang="zh")
    assert at.multiselect(key="filter_languages").value == ["zh"]
    captions = [c.value for c in at.caption if "score " in c.value]
    assert captions and all("Chinese" in c for c in captions)
    assert text("zh", 0) in " ".join(m.value for m in at.markdown)
    at.button(key=f"versions_{paragraphs.at[text('zh', 0), 'paragraph_id']}").click().run()
    assert not at.exception, at.exception
    assert url(at).get("versions") and "The same statement in other languages" in " ".join(c.value for c in at.caption)
    shown = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert text("en", 0) in shown and text("ru", 0) in shown
    at = app(mixed, monkeypatch, "articles", article=paragraphs.at[text("zh", 0), "article_id"])
    labels = [link.proto.label for link in at.get("page_link")]
    assert any(label.startswith("English version: Foreign Ministry Spokesperson") for label in labels)
    assert any(label.startswith("Russian version:") for label in labels)


def test_a_theme_opened_to_teach_previews_what_the_index_tags_in_every_language(mixed, tmp_path, real_embedder):
    from diplodash import teaching
    from diplodash.queries import has_any

    index = load_index(mixed)
    taxonomy = tmp_path / "themes.yaml"
    themes = {t.id: t for t in teaching.editable_taxonomy(taxonomy, index.manifest)}
    for theme_id in ("sanctions", "taiwan", "climate"):
        shown = teaching.preview(index, themes[theme_id], teaching.read_marks(taxonomy), taxonomy, embedder=real_embedder)
        assert (shown.tagged == has_any(index.paragraphs.themes, [theme_id])).all(), theme_id
        assert set(index.paragraphs.language[shown.tagged]) == {"en", "zh", "ru"}
