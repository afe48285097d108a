"""Attribution over a whole paragraphs table: parse the sentences that can carry an attribution
(all of them at once, batched), then read each article in order."""
from __future__ import annotations

import re
import time

import pandas as pd

from ..text import sentences
from .article import ArticleSpeakers, Attribution
from .lexicon import MAY_ATTRIBUTE
from .parser import Parse, parse
from .chinese import reported_speakers
from .tables import Tables, name_key
from .turns import host, statement_author, turn

_CLOCK_ONLY = re.compile(r"^(?:END\s+)?\d{1,2}:\d{2}\s*[AaPp]\.?[Mm]\.?(?:\s+[A-Z]{2,5})?\.?$")
COLUMNS = ("speakers", "speaker_groups", "speaker_organisations", "mentioned", "attributions")


# "(An aide brings glasses for the President.)": a stage direction, nobody speaking.
_STAGE = re.compile(r"^\s*[(\[][^()\[\]]*[)\]]\s*$")


def _spoken(row) -> bool:
    return row.kind not in ("heading", "caption") and not _CLOCK_ONLY.match(row.text) and not _STAGE.match(row.text)


def parse_paragraphs(paragraphs: pd.DataFrame) -> dict[str, Parse]:
    """The parse of every distinct sentence that holds a cue word."""
    wanted = dict.fromkeys(s for row in paragraphs.itertuples(index=False) if _spoken(row)
                           for s in sentences(row.text) if MAY_ATTRIBUTE.search(s))
    return dict(zip(wanted, parse(list(wanted))))


def attribute_article(paragraphs: pd.DataFrame, tables: Tables, published=None, source: str = "",
                      title: str = "", speaker: str | None = None, speaker_role: str | None = None,
                      parses: dict[str, Parse] | None = None) -> list[dict]:
    """Speakers, groups, organisations, mentioned persons and attribution records for each
    paragraph of one article."""
    parses = parse_paragraphs(paragraphs) if parses is None else parses
    state = ArticleSpeakers(tables, published, source, title)
    state.text = " ".join(paragraphs["text"])  # where a transcript's "А.Цыбульский:" is introduced in full
    host_name = state.host = host(title, state)
    if not speaker:
        speaker = statement_author(title, state)
    metadata = Attribution(tables.canonical_name(speaker), speaker, "metadata", speaker_role) if speaker else None
    results = []
    turns: dict[str, Attribution | None] = {}
    for row in paragraphs.itertuples(index=False):
        label = metadata
        if row.turn:  # a transcript inside signed remarks ("SENATOR BOOKER:") gives each turn its speaker
            if row.turn not in turns:
                turns[row.turn] = turn(row.turn, state, host_name)
            label = turns[row.turn] or metadata
            if label and not label.group and not label.organisation:
                state.answering = label.speaker
        if _spoken(row):
            attributions, mentioned = state.attribute(row.text, label, parses)
            if getattr(row, "language", None) == "zh":  # running text the English parse cannot read
                attributions += [Attribution(name, name, "indirect") for name in reported_speakers(row.text, tables)]
        else:
            state.mentions(row.text)  # a caption still introduces names ("Foreign Minister Anna Kovalenko")
            attributions, mentioned = [], []
        buckets = {"speakers": [], "speaker_groups": [], "speaker_organisations": []}
        records = []
        for a in attributions:
            bucket = buckets["speaker_groups" if a.group else "speaker_organisations" if a.organisation else "speakers"]
            if a.speaker and a.speaker not in bucket:
                bucket.append(a.speaker)
            records.append({"speaker": a.speaker, "mention": a.mention, "kind": a.kind, "role": a.role,
                            "group": a.group, "organisation": a.organisation})
        results.append({**buckets, "mentioned": [m for m in mentioned if m not in buckets["speakers"]],
                        "attributions": records})
    return results


def attribute(articles: pd.DataFrame, paragraphs: pd.DataFrame, tables: Tables | None = None,
              merge: bool = True, timings: dict | None = None) -> pd.DataFrame:
    """Add the speaker columns (COLUMNS) to the paragraphs table, then (with `merge`) merge spelling
    variants of one name across articles under its most frequent form. `timings` receives the
    parser's seconds (parse_s) and the sentences it parsed."""
    tables = tables or Tables.load()
    started = time.perf_counter()
    parses = parse_paragraphs(paragraphs)
    if timings is not None:
        timings.update(parse_s=time.perf_counter() - started, parsed_sentences=len(parses))
    columns = {key: [] for key in COLUMNS}
    meta = articles.set_index("article_id")
    for article_id, group in paragraphs.groupby("article_id", sort=False):
        a = meta.loc[article_id]
        text = lambda value: value if isinstance(value, str) and value else None  # noqa: E731
        rows = attribute_article(group, tables, a["published"] if pd.notna(a["published"]) else None,
                                 a["source"], a["title"], text(a.get("speaker")), text(a.get("speaker_role")), parses)
        for key in columns:
            columns[key].extend((idx, r[key]) for idx, r in zip(group.index, rows))
    out = paragraphs.copy()
    for key, values in columns.items():
        series = pd.Series(dict(values), dtype=object).reindex(out.index)
        out[key] = series.apply(lambda v: v if isinstance(v, list) else [])
    return merge_variants(out, tables) if merge else out


def merge_variants(paragraphs: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    counts: dict[str, dict[str, int]] = {}
    for names in list(paragraphs["speakers"]) + list(paragraphs["mentioned"]):
        for name in names:
            counts.setdefault(name_key(name), {}).setdefault(name, 0)
            counts[name_key(name)][name] += 1
    chosen = {}
    for key, variants in counts.items():
        preferred = tables.canonical.get(key) or max(variants, key=lambda n: (variants[n], len(n)))
        for variant in variants:
            chosen[variant] = preferred
    # A surname standing alone ("Jha", from "DR. JHA:") is the one full name in the corpus that ends with it.
    full = {}
    for name in set(chosen.values()):
        if len(name_key(name).split()) > 1:
            full.setdefault(name_key(name).split()[-1], set()).add(name)
    for variant, preferred in chosen.items():
        key = name_key(preferred)
        if len(key.split()) == 1 and len(full.get(key, ())) == 1:
            chosen[variant] = next(iter(full[key]))
    if all(k == v for k, v in chosen.items()):
        return paragraphs
    rename = lambda names: list(dict.fromkeys(chosen.get(n, n) for n in names))  # noqa: E731
    paragraphs["speakers"] = paragraphs["speakers"].apply(rename)
    paragraphs["mentioned"] = paragraphs["mentioned"].apply(rename)
    paragraphs["attributions"] = paragraphs["attributions"].apply(
        lambda records: [{**r, "speaker": chosen.get(r["speaker"], r["speaker"])
                          if not (r["group"] or r.get("organisation")) else r["speaker"]} for r in records])
    return paragraphs
