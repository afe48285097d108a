"""The Themes page's editor: create or edit a theme, preview what it tags, mark paragraphs on it or
not, adopt one of discovery's proposals, save (re-tagging the index). An operator feature: a
shared dashboard stays read-only unless editing is on (diplodash.settings)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import charts, teaching
from ..build import BuildError
from ..index import Index
from ..markdown import plain
from ..queries import has_any
from ..settings import HOW_TO_EDIT
from ..themes import TaxonomyError, Theme
from .loading import filter_rows, operator_settings, share_filters
from .render import paragraph_caption
from .view import set_next_run, url_widget

NEW = "_new"  # theme ids are written [a-z0-9-]: never this


def teach_panel(index: Index, filters, granularity: str) -> None:
    st.subheader("Teach a theme", anchor=False)
    settings = operator_settings()
    if not settings.editing:
        st.caption("Creating and editing themes is for this dashboard's operator. " + HOW_TO_EDIT)
        return
    saved = st.session_state.pop("teach_saved", None)  # the last save's summary, kept across the rerun
    if saved:
        st.success(saved)
    taxonomy = settings.taxonomy_file
    try:
        themes = teaching.editable_taxonomy(taxonomy, index.manifest)
        marks = teaching.read_marks(taxonomy)
    except TaxonomyError as error:
        st.error(plain(str(error)))
        return
    by_id = {t.id: t for t in themes}
    choice = url_widget(st.selectbox, "teach_theme", "teach", "", "Theme", ["", NEW, *by_id], options=["", NEW, *by_id],
                        format_func=lambda t: "Choose a theme to edit…" if t == "" else "New theme" if t == NEW
                        else by_id[t].label)
    if choice:
        theme = _draft(by_id.get(choice), set(by_id))
        if theme is not None:
            _preview(index, filters, granularity, settings, taxonomy, themes, theme, marks, saved=choice != NEW)
    _proposals(index, settings, taxonomy, themes)


def _draft(theme: Theme | None, taken: set[str]) -> Theme | None:
    """The editor's form; the theme as last previewed (the saved theme until then, None for a new
    theme not yet previewed)."""
    name = theme.id if theme else NEW
    fields = {"label": theme.label if theme else "", "description": theme.description if theme else "",
              "examples": "\n".join(theme.examples) if theme else "", "keywords": "\n".join(theme.keywords) if theme else ""}
    for field, value in fields.items():
        st.session_state.setdefault(f"teach_{field}_{name}", value)
    with st.form(f"teach_form_{name}", border=True):
        st.text_input("Label", key=f"teach_label_{name}")
        st.text_area("Description", key=f"teach_description_{name}", height=80,
                     help="What the theme is about, in a sentence or two: it is compared with every paragraph")
        st.text_area("Example statements, one per line", key=f"teach_examples_{name}", height=120)
        st.text_area("Keywords, one per line (regular expressions, case-insensitive)", key=f"teach_keywords_{name}",
                     height=80, help="A paragraph that matches one counts as strong evidence")
        submitted = st.form_submit_button("Preview")
    drafts = st.session_state.setdefault("teach_drafts", {})
    if submitted:
        values = {field: st.session_state[f"teach_{field}_{name}"] for field in fields}
        try:
            drafts[name] = teaching.draft_theme(**values, theme_id=theme.id if theme else None, taken=taken,
                                                counter_examples=theme.counter_examples if theme else None,
                                                threshold=theme.threshold if theme else None)
        except TaxonomyError as error:
            st.error(plain(str(error)))
            return None
    return drafts.get(name, theme)


def _preview(index, filters, granularity, settings, taxonomy, themes, theme, marks, saved: bool) -> None:
    with st.spinner("Scoring every paragraph against the theme…"):
        shown = teaching.preview(index, theme, marks, taxonomy)
    lesson = shown.lesson
    tagged_now = int(has_any(index.paragraphs["themes"], [theme.id]).sum()) if saved else 0
    cards = st.columns(3)
    cards[0].metric("Paragraphs it tags", f"{int(shown.tagged.sum()):,}",
                    delta=f"{int(shown.tagged.sum()) - tagged_now:+,} against the saved theme" if saved else None,
                    delta_color="off")
    cards[1].metric("Threshold", f"{shown.threshold:.3f}", help=f"chosen: {lesson.chosen}")
    cards[2].metric("Marks", f"{lesson.on} on · {lesson.off} not on")
    agreement = pd.DataFrame([{"way": way.name, "cross-validated F1": None if way.f1 is None else round(way.f1, 3),
                               "agrees with": f"{way.agree} of {lesson.on + lesson.off}" if way.f1 is not None else "",
                               "note": way.note, "chosen": way.name == lesson.chosen} for way in lesson.ways])
    st.dataframe(agreement, hide_index=True, width="stretch", key="teach_agreement")
    st.caption("Each mark is predicted by a rule fitted on the other marks (cross-validation); a more complex way is "
               "chosen only where it agrees better." + (f" {lesson.missing} marks are of paragraphs this index does not "
                                                        "hold." if lesson.missing else ""))
    mask = filter_rows(index, share_filters(filters))
    timeline = teaching.preview_timeline(index, shown, theme.id if saved else None, mask, granularity)
    labels = {teaching.DRAFT: f"{theme.label} (as previewed)", theme.id: f"{theme.label} (as saved)"}
    st.plotly_chart(charts.theme_timeline(timeline, "share", labels, granularity=granularity, top=None),
                    key="teach_timeline")
    closest, border = st.columns(2)
    with closest:
        st.markdown("**Closest paragraphs**")
        _markable(index, taxonomy, theme, teaching.closest(index, shown, marks), "teach_closest")
    with border:
        st.markdown(f"**Borderline paragraphs** (around {shown.threshold:.3f})")
        _markable(index, taxonomy, theme, teaching.borderline(index, shown, marks), "teach_border")
    own = marks[marks["theme"] == theme.id]
    if len(own):
        with st.expander(f"Your marks on this theme ({len(own)})"):
            rows = index.paragraphs[index.paragraphs["paragraph_id"].isin(own["paragraph_id"])]
            on = dict(zip(own["paragraph_id"], own["on"]))
            for row in rows.itertuples():
                line = st.columns([5, 1])
                line[0].markdown(("✅ " if on[row.paragraph_id] else "❌ ") + plain(row.text[:300]))
                if line[1].button("Clear", key=f"teach_clear_{row.paragraph_id}", type="tertiary"):
                    teaching.set_mark(taxonomy, theme.id, row.paragraph_id, None)
                    st.rerun()
    if st.button("Save the theme and re-tag the index", type="primary", key="teach_save"):
        _save(index, settings, taxonomy, themes, theme, lesson, "Saved")


def _markable(index, taxonomy, theme: Theme, rows: pd.DataFrame, key: str) -> None:
    """Paragraphs to mark, each with its score and two buttons."""
    if rows.empty:
        st.caption("Every paragraph here is marked.")
        return
    for number, row in enumerate(rows.itertuples()):
        with st.container(border=True, key=f"{key}_{number}"):
            st.caption(paragraph_caption(row, len(index.languages) > 1))
            st.markdown(plain(row.text))
            buttons = st.columns(2)
            if buttons[0].button("On this theme", key=f"{key}_on_{row.paragraph_id}", icon=":material/check:"):
                teaching.set_mark(taxonomy, theme.id, row.paragraph_id, True)
                st.rerun()
            if buttons[1].button("Not on it", key=f"{key}_off_{row.paragraph_id}", icon=":material/close:"):
                teaching.set_mark(taxonomy, theme.id, row.paragraph_id, False)
                st.rerun()


def _save(index, settings, taxonomy, themes, theme: Theme, lesson, verb: str) -> None:
    target = teaching.editable_index(index.path, settings.build_target())
    with st.spinner("Re-tagging the index from its stored vectors…"):
        try:
            # The torch model the preview loaded, not a second copy (an ONNX query model's vectors
            # differ a little and would enter the build's cache: then the re-tag loads its own).
            manifest = teaching.save_theme(target, taxonomy, themes, theme, lesson, index.model,
                                           embedder=index.embedder.loaded_torch_model)
        except (BuildError, TaxonomyError, OSError) as error:
            st.error(f"Not saved, the index is unchanged: {plain(str(error))}")
            return
    tagged = int(has_any(pd.read_parquet(target / "paragraphs.parquet", columns=["themes"], dtype_backend="pyarrow")["themes"],
                         [theme.id]).sum())
    st.session_state["teach_saved"] = (f"{verb} “{plain(theme.label)}”: it tags {tagged:,} paragraphs; the index was "
                                       f"re-tagged in {manifest['timings']['retag_s']:.1f} s without embedding a paragraph.")
    st.session_state.get("teach_drafts", {}).pop(NEW, None)
    set_next_run("teach", "teach_theme", theme.id)
    set_next_run("theme", "filter_themes", [theme.id])  # the page's timeline draws the saved theme
    st.rerun()


def _proposals(index, settings, taxonomy, themes) -> None:
    from ..discovery import discover

    with st.expander("Themes proposed from the paragraphs no theme claims"):
        if st.button("Propose themes", key="teach_propose"):
            with st.spinner("Clustering the unclaimed paragraphs…"):
                st.session_state["teach_proposals"] = (str(index.path), discover(index.paragraphs, index.embeddings))
        stored = st.session_state.get("teach_proposals")
        proposals = stored[1] if stored and stored[0] == str(index.path) else None
        if proposals is None:
            st.caption("Clusters of the paragraphs no theme tags, with their distinctive words and the paragraphs "
                       "nearest their centre; adopting one saves it as a theme, to refine above.")
            return
        if not proposals:
            st.caption("Too few unclaimed paragraphs to propose anything.")
        for number, proposal in enumerate(proposals):
            with st.container(border=True, key=f"teach_proposal_{number}"):
                st.markdown(f"**{plain(proposal['label'])}** · {proposal['size']:,} paragraphs · keywords: "
                            f"{plain(', '.join(proposal['keywords']))}")
                for text in proposal["representative"]:
                    st.caption(plain(text[:400]))
                if st.button("Adopt as a theme", key=f"teach_adopt_{number}"):
                    _save(index, settings, taxonomy, themes, teaching.adopted_theme(proposal, {t.id for t in themes}),
                          None, "Adopted")

