"""The Themes page's aggregation at 1M-10M paragraphs: which engine, measured.

    .venv/bin/pip install duckdb==2.0.0 polars==2.1.0   # for this bench only
    .venv/bin/python bench/aggregations.py [--sizes 1000000 10000000]

Synthetic rows written as one Parquet file (no text: the aggregation never reads it): a day in
2015-2024, one of 40 sources, 0-3 of 14 themes (as a real index: about one theme a paragraph), a
date precision. The query: share of paragraphs per month x source x theme (paragraphs on the
theme / all paragraphs of the month and source), under no filter and under a one-source filter.
Each engine runs in its own process; the figure is its wall time and peak resident memory:
- diplodash: pyarrow reads the four columns, queries.theme_timeline counts with integer codes
  (what the pages run today, over the columns an index loads);
- duckdb: SQL over read_parquet, UNNEST of the themes;
- polars: a lazy scan, explode, group_by, join of the totals.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THEMES = ["partnership", "multipolarity", "global-governance", "blocs", "ukraine", "middle-east", "terrorism",
          "sanctions", "taiwan", "trade", "energy", "arms-control", "climate", "elections"]


def write_rows(path: Path, size: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    writer = None
    for start in range(0, size, 1_000_000):
        count = min(1_000_000, size - start)
        days = rng.integers(np.datetime64("2015-01-01").astype(int), np.datetime64("2024-12-31").astype(int), count)
        tags = rng.choice([0, 1, 1, 1, 2, 3], size=count)
        offsets = np.concatenate([[0], np.cumsum(tags)]).astype(np.int32)
        values = pa.array(np.array(THEMES, dtype=object)[rng.integers(0, len(THEMES), int(tags.sum()))], pa.string())
        table = pa.table({
            "published": pa.array(days.astype("datetime64[D]").astype("datetime64[ns]")),
            "date_precision": pa.array(np.where(rng.random(count) < 0.97, "day", "year"), pa.string()),
            "source": pa.array(np.array([f"source-{n:02d}" for n in range(40)], dtype=object)[rng.integers(0, 40, count)]),
            "themes": pa.ListArray.from_arrays(pa.array(offsets), values),
        })
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=131_072)
    writer.close()


ENGINES = {
    "diplodash": """
import pandas as pd, pyarrow.parquet as pq
from diplodash.queries import theme_timeline
table = pq.read_table(PATH, columns=["published", "date_precision", "source", "themes"])
frame = table.drop_columns(["themes"]).to_pandas()
frame["themes"] = pd.arrays.ArrowExtensionArray(table.column("themes"))
if SOURCE:
    frame = frame[frame["source"].to_numpy() == SOURCE]
result = theme_timeline(frame, "month", by="source")
""",
    "duckdb": """
import duckdb
where = f"WHERE source = '{SOURCE}'" if SOURCE else ""
result = duckdb.sql(f'''
WITH rows AS (SELECT date_trunc('month', published) AS period, source, themes FROM read_parquet('{PATH}')
              {where} {'AND' if where else 'WHERE'} date_precision = 'day'),
totals AS (SELECT period, source, count(*) AS total FROM rows GROUP BY ALL),
tagged AS (SELECT period, source, theme, count(*) AS paragraphs
          FROM (SELECT period, source, unnest(themes) AS theme FROM rows) GROUP BY ALL)
SELECT t.period, t.source, t.theme, t.paragraphs, s.total, t.paragraphs / s.total AS share
FROM tagged t JOIN totals s USING (period, source)''').df()
""",
    "polars": """
import polars as pl
rows = pl.scan_parquet(PATH).filter(pl.col("date_precision") == "day")
if SOURCE:
    rows = rows.filter(pl.col("source") == SOURCE)
rows = rows.with_columns(pl.col("published").dt.truncate("1mo").alias("period")).select("period", "source", "themes")
totals = rows.group_by("period", "source").agg(pl.len().alias("total"))
tagged = rows.explode("themes").drop_nulls("themes").group_by("period", "source", "themes").agg(pl.len().alias("paragraphs"))
result = tagged.join(totals, on=["period", "source"]).with_columns((pl.col("paragraphs") / pl.col("total")).alias("share")).collect()
""",
}

RUNNER = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
PATH, SOURCE = {path!r}, {source!r}
started = time.perf_counter()
{code}
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "rows": len(result)}}))
"""


def run(engine: str, path: Path, source: str) -> dict:
    code = RUNNER.format(root=str(ROOT), path=str(path), source=source, code=ENGINES[engine])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    for size in args.sizes:
        with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "out") as folder:
            path = Path(folder) / "rows.parquet"
            started = time.perf_counter()
            write_rows(path, size)
            print(f"# {size:,} rows, {path.stat().st_size / 1e6:.0f} MB of Parquet (written in {time.perf_counter() - started:.0f} s)")
            for label, source in (("all sources", ""), ("one source", "source-07")):
                for engine in ENGINES:
                    result = run(engine, path, source)
                    if "error" in result:
                        print(f"  {label:<12} {engine:<10} failed: {result['error']}")
                    else:
                        print(f"  {label:<12} {engine:<10} {result['seconds']:6.2f} s  peak {result['peak_mb']:7,.0f} MB"
                              f"  ({result['rows']:,} rows)")


if __name__ == "__main__":
    main()
