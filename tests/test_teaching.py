"""Teaching a theme: drafts, marks, what the marks teach (cross-validated), saving by re-tagging,
and the Themes page's editor as an operator and a visitor use it."""
import json
import shutil

import numpy as np
import pandas as pd
import pytest

import diplodash
from diplodash import teaching
from diplodash.build import exclusive
from diplodash.queries import has_any, period_numbers
from diplodash.themes import TaxonomyError, load_taxonomy

from .conftest import SAMPLE_INDEX
from .pages import app, figure, numbers

pytestmark = pytest.mark.model

BANKS = dict(label="Banking sanctions",
             description="Sanctions on banks and financial institutions, asset freezes and payment restrictions.",
             examples="The banks of Veldoria were cut off from international payments.\n"
                      "New sanctions target the central bank's reserves.", keywords="sanction\nbank")


@pytest.fixture
def copied(tmp_path):
    """A writable copy of the committed sample index, and a taxonomy file to teach that does not exist yet."""
    target = teaching.editable_index(SAMPLE_INDEX, tmp_path / "index")
    return target, tmp_path / "taught" / "themes.yaml"


def mark_ranked(index, taxonomy, theme, scored, on: int, off: int) -> np.ndarray:
    """Mark the `on` paragraphs the theme scores highest as on it and the `off` after them as not."""
    order = np.argsort(-scored.scores)
    for number, row in enumerate(order[: on + off]):
        teaching.set_mark(taxonomy, theme.id, index.paragraphs.paragraph_id.iloc[row], number < on)
    return order


def test_a_draft_needs_a_label_a_description_and_valid_keywords():
    with pytest.raises(TaxonomyError, match="needs a label and a description"):
        teaching.draft_theme("", "about banks", "", "")
    with pytest.raises(TaxonomyError, match="keyword '\\(unclosed' is not a valid pattern"):
        teaching.draft_theme("Banks", "about banks", "", "(unclosed")
    theme = teaching.draft_theme(**BANKS, taken={"banking-sanctions"})
    assert theme.id == "banking-sanctions-2" and theme.keywords == ["sanction", "bank"] and len(theme.examples) == 2


def test_marks_are_kept_beside_the_taxonomy_and_the_last_one_wins(tmp_path):
    taxonomy = tmp_path / "themes.yaml"
    teaching.set_mark(taxonomy, "banks", "p1", True)
    teaching.set_mark(taxonomy, "banks", "p2", False)
    teaching.set_mark(taxonomy, "banks", "p1", False)
    teaching.set_mark(taxonomy, "other", "p1", True)
    teaching.set_mark(taxonomy, "banks", "p2", None)
    marks = teaching.read_marks(taxonomy)
    assert teaching.marks_path(taxonomy) == tmp_path / "themes.marks.csv"
    assert sorted(map(tuple, marks[["theme", "paragraph_id", "on"]].to_numpy().tolist())) == [("banks", "p1", False),
                                                                                               ("other", "p1", True)]
    teaching.marks_path(taxonomy).write_text("not,a\nmarks file\n")
    with pytest.raises(TaxonomyError, match="cannot read the marks"):
        teaching.read_marks(taxonomy)


def test_the_preview_scores_every_paragraph_from_stored_vectors_and_lists_closest_and_borderline(copied, real_embedder):
    index_dir, taxonomy = copied
    index = diplodash.load_index(index_dir)
    theme = teaching.draft_theme(**BANKS)
    shown = teaching.preview(index, theme, teaching.read_marks(taxonomy), taxonomy, embedder=real_embedder)
    assert shown.scores.shape == (len(index.paragraphs),) and shown.threshold == 0.5
    assert shown.lesson.chosen == teaching.AS_IT_IS and shown.lesson.on == shown.lesson.off == 0
    closest = teaching.closest(index, shown, teaching.read_marks(taxonomy), k=5)
    assert len(closest) == 5 and closest.score.is_monotonic_decreasing
    assert closest.text.str.contains("bank|sanction", case=False).sum() >= 3
    border = teaching.borderline(index, shown, teaching.read_marks(taxonomy), k=6)
    gaps = np.sort(np.abs(shown.scores[index.searchable] - shown.threshold))
    assert np.allclose(np.sort(np.abs(border.score - shown.threshold)), gaps[:6], atol=1e-6)
    timeline = teaching.preview_timeline(index, shown, None, np.ones(len(index.paragraphs), bool))
    dated = period_numbers(index.paragraphs, "month")[0] >= 0
    assert set(timeline.theme) == {teaching.DRAFT} and timeline.paragraphs.sum() == (shown.tagged & dated).sum() >= 1


def test_marks_teach_a_threshold_when_it_agrees_better_cross_validated(copied, real_embedder):
    index_dir, taxonomy = copied
    index = diplodash.load_index(index_dir)
    theme = teaching.draft_theme(**BANKS)
    scored = teaching.score_theme(index, theme, taxonomy, embedder=real_embedder)
    # The analyst says only the 6 highest-scoring paragraphs are on the theme: the next 6, tagged
    # today, are not. The threshold must rise between them.
    order = mark_ranked(index, taxonomy, theme, scored, 6, 6)
    lesson = teaching.learn(index, theme, scored, teaching.read_marks(taxonomy))
    ways = {way.name: way for way in lesson.ways}
    assert lesson.on == 6 and lesson.off == 6 and lesson.chosen == teaching.THRESHOLD
    assert ways[teaching.AS_IT_IS].agree == 6 + int((scored.scores[order[6:12]] < 0.5).sum())
    assert ways[teaching.THRESHOLD].f1 > ways[teaching.AS_IT_IS].f1
    assert scored.scores[order[6]] < lesson.threshold <= scored.scores[order[5]]
    assert ways[teaching.HEAD].f1 is None and "10 marks" in ways[teaching.HEAD].note


def test_a_head_is_tried_from_ten_marks_of_each_kind_and_chosen_only_if_it_agrees_better(copied, real_embedder):
    index_dir, taxonomy = copied
    index = diplodash.load_index(index_dir)
    theme = teaching.draft_theme(**BANKS)
    scored = teaching.score_theme(index, theme, taxonomy, embedder=real_embedder)
    on = index.paragraphs.text.str.contains("sanction|bank", case=False).to_numpy() & index.searchable
    off = ~on & index.searchable
    rows = np.concatenate([np.flatnonzero(on)[:12], np.flatnonzero(off)[:12]])
    marks = pd.DataFrame({"theme": theme.id, "paragraph_id": index.paragraphs.paragraph_id.to_numpy()[rows],
                          "on": on[rows], "marked_at": ""})
    lesson = teaching.learn(index, theme, scored, marks)
    head = next(way for way in lesson.ways if way.name == teaching.HEAD)
    assert head.f1 is not None and 0 <= head.agree <= 24
    best = max(way.f1 for way in lesson.ways if way.f1 is not None)
    chosen = next(way for way in lesson.ways if way.name == lesson.chosen)
    assert chosen.f1 == best
    assert (lesson.head is not None) == (lesson.chosen == teaching.HEAD)


def test_saving_re_tags_the_index_keeps_the_threshold_and_a_failed_save_changes_nothing(copied, real_embedder):
    index_dir, taxonomy = copied
    index = diplodash.load_index(index_dir)
    themes = teaching.editable_taxonomy(taxonomy, index.manifest)
    theme = teaching.draft_theme(**BANKS, taken={t.id for t in themes})
    scored = teaching.score_theme(index, theme, taxonomy, embedder=real_embedder)
    mark_ranked(index, taxonomy, theme, scored, 3, 3)
    shown = teaching.preview(index, theme, teaching.read_marks(taxonomy), taxonomy, embedder=real_embedder)
    with exclusive(index_dir, 0):  # another build holds the index: not saved, nothing half-written
        with pytest.raises(Exception, match="busy|locked|another"):
            teaching.save_theme(index_dir, taxonomy, themes, theme, shown.lesson, index.model)
    assert not taxonomy.exists()
    vectors = (index_dir / "embeddings.npy").stat().st_ino
    manifest = teaching.save_theme(index_dir, taxonomy, themes, theme, shown.lesson, index.model)
    saved = {t.id: t for t in load_taxonomy(taxonomy)}
    assert saved[theme.id].threshold == pytest.approx(shown.threshold) and len(saved) == len(themes) + 1
    assert manifest["themes"]["taught"] == [theme.id] and manifest["themes"]["taxonomy"] == str(taxonomy)
    after = diplodash.load_index(index_dir)
    tagged = has_any(after.paragraphs.themes, [theme.id])
    assert tagged.sum() == shown.tagged.sum() >= 1
    assert (index_dir / "embeddings.npy").stat().st_ino == vectors  # re-tagged, not re-embedded
    assert after.theme_labels[theme.id] == "Banking sanctions"
    # the other themes keep their tags
    before = diplodash.load_index(SAMPLE_INDEX)
    assert (has_any(after.paragraphs.themes, ["ukraine"]) == has_any(before.paragraphs.themes, ["ukraine"])).all()


def test_the_editor_is_for_operators_only(sample_index, monkeypatch):
    at = app(sample_index, monkeypatch, "themes", teach="_new")
    assert "Teach a theme" in [s.value for s in at.subheader]
    assert not [t for t in at.text_input if (t.key or "").startswith("teach_")]
    assert any("read-only" in c.value for c in at.caption)


def test_create_a_theme_mark_paragraphs_save_and_the_timeline_draws_it(tmp_path, monkeypatch, real_embedder):
    index_dir = tmp_path / "index"
    shutil.copytree(SAMPLE_INDEX, index_dir)
    monkeypatch.setenv("DIPLODASH_EDITING", "1")
    monkeypatch.setenv("DIPLODASH_WORKSPACE", str(tmp_path / "workspace"))
    at = app(index_dir, monkeypatch, "themes", teach="_new")
    for field, value in BANKS.items():
        widget = at.text_input(key=f"teach_{field}__new") if field == "label" else at.text_area(key=f"teach_{field}__new")
        widget.input(value)
    at.button(key="FormSubmitter:teach_form__new-Preview").click().run()
    assert not at.exception, at.exception
    tagged = int(at.metric[0].value.replace(",", ""))
    assert tagged >= 1 and at.metric[2].value == "0 on · 0 not on"
    assert figure(at, "teach_timeline")["data"][0]["name"] == "Banking sanctions (as previewed)"
    closest = [b for b in at.button if (b.key or "").startswith("teach_closest_on_")]
    closest[0].click().run()
    [b for b in at.button if (b.key or "").startswith("teach_closest_on_")][0].click().run()
    [b for b in at.button if (b.key or "").startswith("teach_border_off_")][-1].click().run()
    [b for b in at.button if (b.key or "").startswith("teach_border_off_")][-1].click().run()
    assert at.metric[2].value == "2 on · 2 not on"
    marks = teaching.read_marks(tmp_path / "workspace" / "themes.yaml")
    assert len(marks) == 4 and marks.on.sum() == 2
    ways = at.dataframe[0].value
    assert list(ways.way) == [teaching.AS_IT_IS, teaching.THRESHOLD, teaching.HEAD] and ways.chosen.sum() == 1
    at.button(key="teach_save").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Saved “Banking sanctions”")
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["themes"]["labels"]["banking-sanctions"] == "Banking sanctions"
    assert at.query_params["theme"] == "banking-sanctions" and at.query_params["teach"] == "banking-sanctions"
    drawn = {trace["name"]: sum(numbers(trace["y"])) for trace in figure(at, "timeline")["data"]}
    assert list(drawn) == ["Banking sanctions"] and drawn["Banking sanctions"] > 0
    saved = int(at.metric[0].value.replace(",", ""))  # the editor now shows the saved theme
    assert saved == int(has_any(diplodash.load_index(index_dir).paragraphs.themes, ["banking-sanctions"]).sum())


def test_adopt_a_proposed_theme_in_one_click(tmp_path, monkeypatch, real_embedder):
    index_dir = tmp_path / "index"
    shutil.copytree(SAMPLE_INDEX, index_dir)
    monkeypatch.setenv("DIPLODASH_EDITING", "1")
    monkeypatch.setenv("DIPLODASH_WORKSPACE", str(tmp_path / "workspace"))
    at = app(index_dir, monkeypatch, "themes")
    at.button(key="teach_propose").click().run()
    adopt = [b for b in at.button if (b.key or "").startswith("teach_adopt_")]
    assert adopt, "the sample has unclaimed paragraphs to propose themes from"
    adopt[0].click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Adopted")
    labels = json.loads((index_dir / "manifest.json").read_text())["themes"]["labels"]
    adopted = at.query_params["teach"]
    assert adopted in labels and len(labels) == 15
    assert has_any(diplodash.load_index(index_dir).paragraphs.themes, [adopted]).sum() >= 1


def test_an_unchanged_theme_previews_exactly_what_the_index_tags(copied, real_embedder):
    """The preview scores a theme as the build did (its trained head, its extension's examples):
    a theme opened and not edited tags the same paragraphs as the index."""
    index_dir, taxonomy = copied
    index = diplodash.load_index(index_dir)
    themes = {t.id: t for t in teaching.editable_taxonomy(taxonomy, index.manifest)}
    for theme_id in ("ukraine", "sanctions", "partnership"):
        shown = teaching.preview(index, themes[theme_id], teaching.read_marks(taxonomy), taxonomy, embedder=real_embedder)
        assert shown.threshold == index.manifest["themes"]["thresholds"][theme_id]
        assert (shown.tagged == has_any(index.paragraphs.themes, [theme_id])).all(), theme_id
