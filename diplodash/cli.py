"""The `diplodash` command line: build, watch, search, info."""
from __future__ import annotations

import argparse
import json
import os
import sys

from .index import IndexUnavailable, default_index_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="diplodash", description="Diplomatic discourse: build an index, search it.")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="read articles and write a paragraph index")
    build.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders, zips, page or feed URLs")
    build.add_argument("--out", default=None, help="index folder (default: $DIPLODASH_INDEX or data/index)")
    build.add_argument("--model", default=None, help="sentence-transformers model name or path")
    build.add_argument("--source", default=None, help="publisher name for every article read")
    build.add_argument("--cache", default=None, help="embedding cache folder (default: $DIPLODASH_CACHE)")
    build.add_argument("--columns", default=None,
                       help="table column mapping, e.g. title=headline,published=date,body=text,url=link")
    build.add_argument("--roles", action="append", default=[], metavar="FILE",
                       help="extra offices and people (YAML like data/roles.yaml); repeatable")
    build.add_argument("--themes", default=None, metavar="FILE", help="theme taxonomy (default: data/themes.yaml)")
    build.add_argument("--multilingual", choices=("auto", "on", "off"), default="auto",
                       help="a multilingual space, so queries in one language find the others (auto: when 1 %% or 20 "
                            "paragraphs are not English)")
    build.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="where the map (reading, speakers, embedding) runs: here, or on a Ray cluster")
    build.add_argument("--address", default=None, help="the Ray cluster's address (default: a local Ray runtime)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")

    search = commands.add_parser("search", help="paragraphs most similar to a statement")
    search.add_argument("query")
    search.add_argument("--index", default=None)
    search.add_argument("-k", type=int, default=10)
    search.add_argument("--json", action="store_true", help="print a JSON list, best first")

    info = commands.add_parser("info", help="what an index holds")
    info.add_argument("--index", default=None)

    retag = commands.add_parser("retag", help="re-tag themes after editing the taxonomy (no re-embedding)")
    retag.add_argument("--index", default=None)
    retag.add_argument("--themes", default=None, metavar="FILE", help="theme taxonomy (default: data/themes.yaml)")
    retag.add_argument("--cache", default=None)

    discover = commands.add_parser("discover", help="propose new themes from paragraphs no theme claims")
    discover.add_argument("--index", default=None)
    discover.add_argument("--clusters", type=int, default=None, help="number of clusters (default: from the data)")
    discover.add_argument("--min-size", type=int, default=5)
    discover.add_argument("--export", default=None, metavar="FILE", help="write the proposals as taxonomy YAML stubs")

    export = commands.add_parser("export-onnx", help="export the model for fast searches (ONNX Runtime)")
    export.add_argument("--model", default=None, help="sentence-transformers model name or path")

    speakers = commands.add_parser("speakers", help="who is quoted, how often")
    speakers.add_argument("--index", default=None)
    speakers.add_argument("--top", type=int, default=20)
    speakers.add_argument("--groups", action="store_true", help="unnamed groups (experts, officials...) instead of persons")
    speakers.add_argument("--organisations", action="store_true",
                          help="organisations (ministries, governments, agencies) instead of persons")

    watch = commands.add_parser("watch", help="follow the sources file: add what is new to the index")
    watch.add_argument("sources", metavar="SOURCES", help="sources file (YAML, like data/sources.yaml)")
    watch.add_argument("--index", default=None)
    watch.add_argument("--every", default=None, metavar="DURATION", help="keep going: a pass every 30m, 6h...")
    watch.add_argument("--force", action="store_true", help="check every source now, whatever its interval")
    watch.add_argument("--wait", type=float, default=0, metavar="S",
                       help="seconds to wait for another build or watcher of the index (default: none)")
    watch.add_argument("--cache", default=None)
    watch.add_argument("--watchlist", default=None, metavar="FILE",
                       help="saved statements to write Atom feeds for (default: $DIPLODASH_WATCHLIST or data/watchlist.yaml)")
    watch.add_argument("--feeds", default=None, metavar="DIR", help="where the feeds go (default: feeds/ beside the index)")

    compact = commands.add_parser("compact", help="fold the segments that watch passes added into one")
    compact.add_argument("--index", default=None)

    args = parser.parse_args(argv)
    try:
        return {"build": _build, "search": _search, "info": _info, "speakers": _speakers,
                "retag": _retag, "discover": _discover,
                "export-onnx": _export_onnx, "watch": _watch, "compact": _compact}[args.command](args)
    except IndexUnavailable as error:
        print(f"diplodash: {error}", file=sys.stderr)
        return 2


def _watch(args) -> int:
    import time

    from .build import BuildError
    from .feeds import SourcesError, load_sources, parse_duration
    from .watch import watch

    index = args.index or default_index_dir()
    try:
        sources = load_sources(args.sources)
        every = parse_duration(args.every, "--every") if args.every else None
    except SourcesError as error:
        print(f"diplodash: {error}", file=sys.stderr)
        return 2
    while True:
        try:
            report = watch(sources, index, cache_dir=args.cache, wait=args.wait, force=args.force)
        except BuildError as error:
            print(f"diplodash: {error}", file=sys.stderr)
            if every is None:
                return 3
        else:
            for line in report.lines():
                print(line)
            for problem in report.problems[:20]:
                print(problem, file=sys.stderr)
            _write_watchlist_feeds(args, index)
            failed_all = all(r.status == "failed" for r in report.sources if r.status != "skipped")
            if every is None:
                return 1 if failed_all and any(r.status == "failed" for r in report.sources) else 0
        sys.stdout.flush()
        time.sleep(every)


def _write_watchlist_feeds(args, index) -> None:
    from pathlib import Path

    from . import watchlist
    from .index import load_index

    try:
        statements = watchlist.load(args.watchlist)
        if statements and (Path(index) / "manifest.json").exists():
            folder = Path(args.feeds) if args.feeds else Path(index).resolve().parent / "feeds"
            written = watchlist.write_feeds(load_index(index), statements, folder)
            print(f"watchlist: {len(written)} Atom feed(s) in {folder}")
    except watchlist.WatchlistError as error:
        print(f"diplodash: {error}", file=sys.stderr)


def _compact(args) -> int:
    from .build import BuildError, exclusive
    from .segments import compact

    index = args.index or default_index_dir()
    try:
        with exclusive(index, wait=0):
            manifest = compact(index)
    except BuildError as error:
        print(f"diplodash: {error}", file=sys.stderr)
        return 3
    print(f"compacted {index}: {manifest['counts']['paragraphs']} paragraphs in one segment")
    return 0


def _parse_columns(text: str | None) -> dict:
    if not text:
        return {}
    mapping = {}
    for pair in text.split(","):
        role, _, column = pair.partition("=")
        if not column:
            raise SystemExit(f"diplodash: --columns expects ROLE=COLUMN pairs, got '{pair}'")
        mapping[role.strip()] = column.strip()
    return mapping


def _build(args) -> int:
    from .build import BuildError, build
    from .themes import TaxonomyError

    out = args.out or default_index_dir()
    bar = None

    def progress(stage, done, total):
        nonlocal bar
        if args.quiet:
            return
        from tqdm import tqdm

        if stage == "embed" and bar is None:
            bar = tqdm(total=total, desc="embedding", unit="para", file=sys.stderr)
        elif stage == "embed":
            bar.update(done - bar.n)
        elif stage == "read" and done % 200 == 0:
            print(f"\rreading: {done} articles", end="", file=sys.stderr)

    try:
        manifest = build(args.inputs, out, model=args.model, source=args.source, cache_dir=args.cache,
                         columns=_parse_columns(args.columns), progress=progress, roles=args.roles,
                         themes=args.themes, multilingual=args.multilingual, engine=args.engine,
                         address=args.address)
    except (BuildError, TaxonomyError) as error:
        print(f"\ndiplodash: build failed, previous index kept: {error}", file=sys.stderr)
        return 1
    finally:
        if bar is not None:
            bar.close()
    problems = [p for p in manifest["errors"] if p["level"] != "info"]
    for problem in problems:
        print(f"{problem['level']}: {problem['name']}: {problem['reason']}", file=sys.stderr)
    repeats = sum(p["level"] == "info" for p in manifest["errors"])
    counts = manifest["counts"]
    print(f"built {out}: {counts['articles']} articles, {counts['paragraphs']} paragraphs, "
          f"{manifest['n_embedded']} embedded, {manifest['n_reused']} vectors from the cache, "
          + (f"{manifest['multilingual']['n_embedded']} embedded in the multilingual space, "
             if manifest.get("multilingual") else "") +
          f"{manifest.get('n_documents_reused', 0)} unchanged files taken from the previous index, "
          f"{sum(p['level'] == 'error' for p in problems)} errors, {repeats} repeated articles skipped "
          f"in {manifest['build_seconds']:.1f} s")
    _export_for_queries(manifest["model"], args.quiet)
    return 0


def _export_for_queries(name: str, quiet: bool) -> None:
    """After a build, while torch and the model are loaded anyway, export the model once for
    queries (ONNX Runtime: ~5 ms a query instead of ~18 ms with torch, bench/search.py)."""
    from .embeddings import export_onnx, onnx_folder

    if os.environ.get("DIPLODASH_QUERY_RUNTIME", "onnx") != "onnx" or (onnx_folder(name) / "model.onnx").exists():
        return
    if export_onnx(name) is not None and not quiet:
        print(f"exported {name} for fast searches to {onnx_folder(name)}")


def _search(args) -> int:
    from .index import load_index

    hits = load_index(args.index).search(args.query, k=args.k)
    if args.json:
        fields = ["paragraph_id", "article_id", "score", "text", "title", "published", "source", "date"]
        records = hits[fields].astype({"published": "string"}).to_dict("records")
        print(json.dumps([{k: (None if v is None or v != v else v) for k, v in r.items()} for r in records],
                         ensure_ascii=False, indent=1))
        return 0
    for rank, hit in enumerate(hits.itertuples(), 1):
        print(f"{rank:>2}. {hit.score:.3f}  {hit.source} · {hit.date} · {hit.title}\n    {hit.text[:300]}")
    return 0


def _info(args) -> int:
    from .index import load_index

    index = load_index(args.index)
    m, articles = index.manifest, index.articles
    dates = articles["published"].dropna()
    span = f"{dates.min().date()} to {dates.max().date()}" if len(dates) else "no dates"
    print(f"index: {index.path}\nbuilt: {m['built_at']} with DiploDash {m.get('diplodash_version')}\n"
          f"model: {m['model']} ({m['dim']} dimensions)\n"
          f"articles: {len(articles)}  paragraphs: {len(index.paragraphs)}  dates: {span}\n"
          f"problems at build: {sum(p['level'] == 'error' for p in m['errors'])} errors, "
          f"{sum(p['level'] == 'warning' for p in m['errors'])} warnings")
    print("sources:")
    for source, count in articles["source"].value_counts().items():
        print(f"  {count:>6}  {source}")
    return 0


def _retag(args) -> int:
    from .build import BuildError, retag
    from .themes import TaxonomyError

    try:
        manifest = retag(args.index or default_index_dir(), args.themes, args.cache)
    except (BuildError, TaxonomyError) as error:
        print(f"diplodash: retag failed, index unchanged: {error}", file=sys.stderr)
        return 1
    info = manifest["themes"]
    print(f"retagged {manifest['counts']['paragraphs']} paragraphs with {len(info['labels'])} themes "
          f"({len(info.get('trained', []))} with trained heads, {len(info['calibrated'])} with calibrated thresholds) "
          f"in {manifest['timings']['retag_s']:.1f} s")
    return 0


def _export_onnx(args) -> int:
    from .embeddings import export_onnx, model_name, onnx_folder

    name = model_name(args.model)
    if (onnx_folder(name) / "model.onnx").exists():
        print(f"already exported: {onnx_folder(name)}")
        return 0
    folder = export_onnx(name)
    if folder is None:
        print("diplodash: this model cannot be exported (or does not agree with torch); searches use torch",
              file=sys.stderr)
        return 1
    print(f"exported {name} to {folder}: searches now embed queries with ONNX Runtime")
    return 0


def _discover(args) -> int:
    from pathlib import Path

    from .discovery import as_taxonomy_stub, discover, unclaimed
    from .index import load_index

    index = load_index(args.index)
    proposals = discover(index.paragraphs, index.embeddings, args.clusters, args.min_size)
    print(f"{len(unclaimed(index.paragraphs))} paragraphs have no theme; {len(proposals)} proposed themes:")
    for proposal in proposals:
        print(f"\n{proposal['id']}  ({proposal['size']} paragraphs)\n  keywords: {', '.join(proposal['keywords'])}")
        for text in proposal["representative"]:
            print(f"  - {text[:200]}")
    if args.export:
        Path(args.export).write_text(as_taxonomy_stub(proposals), encoding="utf-8")
        print(f"\nwrote {args.export}: add the entries you keep to your taxonomy, then `diplodash retag`")
    return 0


def _speakers(args) -> int:
    import pandas as pd

    from .index import load_index
    from .queries import speaker_counts

    kind = "organisations" if args.organisations else "groups" if args.groups else "persons"
    table = speaker_counts(load_index(args.index).paragraphs, top=args.top, kind=kind)
    print(f"{'statements':>10}  {'articles':>8}  {'first':<10}  {'last':<10}  "
          f"{ {'persons': 'speaker', 'groups': 'group', 'organisations': 'organisation'}[kind]}")
    for row in table.itertuples():
        first = row.first.date() if pd.notna(row.first) else "-"
        last = row.last.date() if pd.notna(row.last) else "-"
        print(f"{row.statements:>10}  {row.articles:>8}  {str(first):<10}  {str(last):<10}  {row.speaker}")
    return 0



if __name__ == "__main__":
    sys.exit(main())
