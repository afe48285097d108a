import time
from pathlib import Path

import pandas as pd
import streamlit as st

from diplodash.build import BuildError, build
from diplodash.sources import FORMATS
from diplodash.ui import current_index, index_location

st.title("Corpus")
index = current_index(show_message=False)
location = index_location()
previous = list(index.manifest.get("inputs", [])) if index else []
if index:
    counts = index.manifest["counts"]
    st.markdown(f"Index `{location}`: **{counts['articles']:,} articles**, **{counts['paragraphs']:,} paragraphs**, "
                f"built {index.manifest['built_at']}.")
else:
    st.info(f"No index yet at `{location}`: add articles below and build one.")

uploads = st.file_uploader("Add articles (text, Markdown, CSV/JSONL, HTML, RSS/Atom, or a zip of them)",
                           type=[s.lstrip(".") for s in FORMATS] + ["zip"], accept_multiple_files=True, key="uploads")
folder = st.text_input("…or a folder or feed URL on this machine", key="folder", placeholder="/path/to/articles")
keep = st.checkbox("Keep the articles already in the index", value=bool(previous), key="keep")
if st.button("Build the index", type="primary", key="build"):
    inputs = list(previous) if keep else []
    if uploads:
        target = location.parent / "uploads" / time.strftime("%Y%m%d-%H%M%S")  # beside the index
        target.mkdir(parents=True, exist_ok=True)
        for upload in uploads:
            (target / Path(upload.name).name).write_bytes(upload.getvalue())  # the bare name: no path from the browser
        inputs.append(str(target))
    if folder.strip():
        inputs.append(folder.strip())
    if not inputs:
        st.warning("Nothing to build: upload files or give a folder.")
    else:
        with st.status("Building the index…", expanded=True) as status:
            bar = st.progress(0.0, text="reading articles")

            def progress(stage, done, total):
                if stage == "embed" and total:
                    bar.progress(min(done / total, 1.0), text=f"embedding {done:,} of {total:,} new paragraphs")
                elif stage == "read":
                    bar.progress(0.0, text=f"reading: {done:,} articles")

            try:
                manifest = build(inputs, location, progress=progress, wait=0)
            except BuildError as error:
                status.update(label="Build failed: the previous index is unchanged", state="error")
                st.error(str(error))
            else:
                counts = manifest["counts"]
                status.update(label=f"Built {counts['articles']:,} articles, {counts['paragraphs']:,} paragraphs "
                                    f"({manifest['n_embedded']:,} embedded, {manifest['n_reused']:,} reused)",
                              state="complete")
                st.cache_resource.clear()
                index = current_index(show_message=False)

if index is not None:
    problems = pd.DataFrame(index.manifest.get("errors", []), columns=["level", "name", "reason"])
    st.subheader("Report of the last build")
    if problems.empty:
        st.success("Every input file was read without a problem.")
    else:
        st.dataframe(problems, hide_index=True, width="stretch")
