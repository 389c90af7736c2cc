"""Writes the drift benchmark's reference and current Parquet files: ROWS rows of 14 numeric and
6 string columns, the current one shifted in half of them.

  drift_bench_data.py OUT_DIR ROWS SEED
"""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def table(rng, rows, shift):
    columns = {}
    for index in range(14):
        moved = shift if index % 2 == 0 else 0.0
        if index % 3 == 0:
            values = rng.lognormal(3 + moved, 1.0, rows)
        elif index % 3 == 1:
            values = rng.normal(moved, 1.0, rows).round(3)
        else:
            values = rng.poisson(4 + 4 * moved, rows).astype(np.float64)
        values[rng.random(rows) < 0.01] = np.nan
        columns[f"num_{index:02d}"] = pa.array(values, from_pandas=True)
    for index in range(6):
        categories = np.array([f"c{k}" for k in range(3 + 5 * index)])
        weights = np.linspace(1, 2 + (shift if index % 2 == 0 else 0) * 4, len(categories))
        columns[f"cat_{index}"] = pa.array(rng.choice(categories, size=rows, p=weights / weights.sum()))
    return pa.table(columns)


def main():
    out, rows, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(seed)
    pq.write_table(table(rng, rows, 0.0), f"{out}/reference.parquet", data_page_version="1.0")
    pq.write_table(table(rng, rows, 0.3), f"{out}/current.parquet", data_page_version="1.0")
    print(f"{out}/reference.parquet {out}/current.parquet")


if __name__ == "__main__":
    main()
