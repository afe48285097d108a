import pandas as pd
import streamlit as st

from diplodash.build import BuildError, build
from diplodash.settings import HOW_TO_EDIT, InputRefused
from diplodash.sources import FORMATS, save_uploads
from diplodash.ui import begin_view, build_progress, current_index, operator_settings, page_links, plain
from diplodash.watch import last_pass

begin_view("corpus")
page_links()
st.title("Corpus")
settings = operator_settings()
index = current_index(show_message=False)
built = st.session_state.pop("corpus_built", None)  # the last build's summary, kept across the rerun
if built:
    st.success(built)
if index:
    counts = index.manifest["counts"]
    where = f"Index {plain(index.path)}: " if settings.editing else ""  # no server paths for visitors
    st.markdown(f"{where}**{counts['articles']:,} articles**, **{counts['paragraphs']:,} paragraphs**, "
                f"built {index.manifest['built_at']}.")
    last = last_pass(index.path, index.manifest)
    if last:
        st.markdown(f"Last `diplodash watch` pass {plain(last.get('at', ''))}, "
                    f"{len(index.manifest.get('segments') or [])} segment(s) since the last compaction:")
        st.code("\n".join(last.get("report", [])) or "(no sources)", language=None)
else:
    st.info("No index yet." + (" Add articles below and build one." if settings.editing else ""))

if not settings.editing:
    st.info(HOW_TO_EDIT)
else:
    previous = list(index.manifest.get("inputs", [])) if index else []
    uploads = st.file_uploader("Add articles (text, Markdown, CSV/JSONL, HTML, RSS/Atom, or a zip of them)",
                               type=[s.lstrip(".") for s in FORMATS] + ["zip"], accept_multiple_files=True,
                               key="uploads")
    publisher = st.text_input("Publisher", key="publisher", placeholder="unknown",
                              help="For uploaded files whose metadata names no publisher")
    folder = ""
    if settings.allowed_root is not None:
        folder = st.text_input(f"…or a folder under {plain(settings.allowed_root)}, or a feed URL", key="folder",
                               placeholder=str(settings.allowed_root / "articles"))
    keep = st.checkbox("Keep the articles already in the index", value=bool(previous), key="keep")
    if st.button("Build the index", type="primary", key="build"):
        inputs = list(previous) if keep else []
        try:
            if folder.strip():
                inputs.append(settings.check_input(folder))
        except InputRefused as error:
            st.error(plain(str(error)))  # nothing is saved or built
        else:
            if uploads:
                files = [(upload.name, upload.getvalue()) for upload in uploads]
                inputs.append(str(save_uploads(files, settings.new_upload_folder(), publisher)))
            if not inputs:
                st.warning("Nothing to build: upload files or give a folder.")
            else:
                with st.status("Building the index…", expanded=True) as status:
                    progress = build_progress("reading articles")
                    try:
                        manifest = build(inputs, settings.build_target(), progress=progress, wait=0)
                    except BuildError as error:
                        manifest = None
                        status.update(label="Build failed: the previous index is unchanged", state="error")
                        st.error(plain(str(error)))
                if manifest is not None:
                    counts = manifest["counts"]
                    st.session_state["corpus_built"] = (
                        f"Built {counts['articles']:,} articles, {counts['paragraphs']:,} paragraphs "
                        f"({manifest['n_embedded']:,} embedded, {manifest['n_reused']:,} reused)")
                    st.cache_resource.clear()
                    st.rerun()  # draw the page again from the new index: no stale counts above

if index is not None:
    problems = pd.DataFrame(index.manifest.get("errors", []), columns=["level", "name", "reason"])
    st.subheader("Report of the last build")
    if problems.empty:
        st.success("Every input file was read without a problem.")
    else:
        st.dataframe(problems, hide_index=True, width="stretch")
