"""Teaching a theme at scale: how long each step of the Themes page's editor takes.

    .venv/bin/python bench/teaching.py [--size 160000]

On a synthetic index of `size` paragraphs (the sample's texts, articles and themes repeated, random
unit vectors, as bench/watch.py writes it), for a new theme: scoring every paragraph (only the
theme's sentences are embedded; the keyword patterns run over every text), learning from 40 marks
(a threshold, cross-validated) and from 200 (a head too, five folds), the lists and the timeline of
the preview, and saving (a re-tag from the stored vectors: the first time every theme is scored,
after that only the edited one). How F1 rises with marks is bench/themes.py --marks.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def timed(label: str, function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    print(f"{label:<58} {1000 * (time.perf_counter() - started):>8.0f} ms")
    return result


def main() -> None:
    import numpy as np
    import pandas as pd

    import diplodash
    from diplodash import teaching
    from diplodash.embeddings import DEFAULT_MODEL
    from watch import base_index

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=160_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        index_dir, taxonomy = Path(folder) / "index", Path(folder) / "themes.yaml"
        base_index(index_dir, args.size, DEFAULT_MODEL)
        index = diplodash.load_index(index_dir)
        index.embedder.encode(["warm up"])
        print(f"# {len(index.paragraphs):,} paragraphs; a new theme with 2 examples and 2 keyword patterns")
        themes = teaching.editable_taxonomy(taxonomy, index.manifest)
        theme = teaching.draft_theme("Banking sanctions", "Sanctions on banks and financial institutions, asset freezes "
                                     "and payment restrictions.", "The banks were cut off from international payments.\n"
                                     "New sanctions target the central bank's reserves.", "sanction\nbank",
                                     taken={t.id for t in themes})
        scored = timed("score every paragraph (embed 3 sentences, 2 patterns)", teaching.score_theme, index, theme, taxonomy)
        rng = np.random.default_rng(0)
        order = np.argsort(-scored.scores)
        for count in (40, 200):
            rows = rng.choice(order[: 4 * count], size=count, replace=False)
            marks = pd.DataFrame({"theme": theme.id, "paragraph_id": index.paragraphs.paragraph_id.to_numpy()[rows],
                                  "on": np.arange(count) % 2 == 0, "marked_at": ""})
            lesson = timed(f"learn from {count} marks (ways tried: "
                           f"{'threshold, head' if count >= 2 * teaching.MIN_HEAD_MARKS else 'threshold'})",
                           teaching.learn, index, theme, scored, marks)
        shown = timed("preview (scores kept, 200 marks learned again)", teaching.preview, index, theme, marks, taxonomy)
        timed("closest and borderline paragraphs", lambda: (teaching.closest(index, shown, marks),
                                                            teaching.borderline(index, shown, marks)))
        timed("timeline beside the saved theme, per month", teaching.preview_timeline, index, shown, "sanctions",
              np.ones(len(index.paragraphs), bool))
        manifest = timed("save, first time: every theme scored (index had no fingerprints)", teaching.save_theme,
                         index_dir, taxonomy, themes, theme, lesson, index.model)
        print(f"  of which the re-tag: {manifest['timings']['retag_s']:.1f} s, {len(manifest['themes']['rescored'])} themes scored")
        themes = teaching.editable_taxonomy(taxonomy, manifest)
        theme.examples.append("Payment restrictions on the banks remain in force.")
        manifest = timed("save the theme edited again: only it is scored", teaching.save_theme, index_dir, taxonomy,
                         themes, theme, lesson, index.model)
        print(f"  of which the re-tag: {manifest['timings']['retag_s']:.1f} s, {len(manifest['themes']['rescored'])} theme scored")


if __name__ == "__main__":
    main()
