"""Reads a nested Parquet file written by Sluice with pyarrow, for Sluice's tests.

    nested_parquet_check.py FILE EXPECTED.json OUT_DIR
        Compares pyarrow's rows of FILE (maps as lists of [key, value]) with EXPECTED.json, then
        rewrites FILE with pyarrow in every combination of data page version (1.0, 2.0), codec
        (none, snappy, zstd) and dictionary (on, off) into OUT_DIR, so that Sluice's reader can be
        checked on files it did not write. Prints one JSON object: whether the rows matched, the
        first difference, pyarrow's schema and the files written.
"""
import json
import os
import sys

import pyarrow.parquet as pq


def plain(value):
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def main():
    path, expected_path, out_dir = sys.argv[1:4]
    table = pq.read_table(path)
    rows = plain(table.to_pylist())
    expected = json.load(open(expected_path))
    difference = None
    if len(rows) != len(expected):
        difference = f"{len(rows)} rows, expected {len(expected)}"
    else:
        for index, (row, want) in enumerate(zip(rows, expected)):
            if row != want:
                difference = f"row {index}: pyarrow read {json.dumps(row)}, expected {json.dumps(want)}"
                break
    files = []
    for page_version in ["1.0", "2.0"]:
        for codec in ["none", "snappy", "zstd"]:
            for dictionary in [True, False]:
                name = f"pyarrow-v{page_version}-{codec}-{'dict' if dictionary else 'plain'}.parquet"
                target = os.path.join(out_dir, name)
                pq.write_table(table, target, data_page_version=page_version, compression=codec,
                               use_dictionary=dictionary)
                files.append(target)
    print(json.dumps({"matched": difference is None, "difference": difference, "schema": str(table.schema),
                      "files": files}))


main()
