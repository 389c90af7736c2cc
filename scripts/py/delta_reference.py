"""Reads a Delta table the way outside tools do, for Sluice's tests.

    delta_reference.py read DIR [VERSION] [APP_ID,...]
        delta-rs (PyPI deltalake): the table's version, its rows sorted by every column (as JSON
        values), the transaction version of each app id, the add actions' paths; and polars.read_delta's
        row count of the same version.
"""
import json
import sys

import deltalake
import polars


def main():
    if sys.argv[1] != "read":
        sys.exit(f"unknown command {sys.argv[1]}")
    path = sys.argv[2]
    version = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] != "-" else None
    apps = sys.argv[4].split(",") if len(sys.argv) > 4 else []
    table = deltalake.DeltaTable(path, version=version)
    arrow = table.to_pyarrow_table()
    rows = arrow.to_pylist()
    for row in rows:
        for key, value in row.items():
            if hasattr(value, "isoformat"):
                row[key] = value.isoformat()
    rows.sort(key=lambda row: json.dumps(row, sort_keys=True))
    latest = deltalake.DeltaTable(path)
    polars_rows = polars.read_delta(path, version=version).height
    print(json.dumps({
        "version": table.version(),
        "columns": arrow.column_names,
        "rows": rows,
        "transactions": {app: latest.transaction_version(app) for app in apps},
        "files": sorted(action for action in table.get_add_actions(flatten=True).column("path").to_pylist()),
        "polarsRows": polars_rows,
        "protocol": [table.protocol().min_reader_version, table.protocol().min_writer_version],
    }, default=str))


if __name__ == "__main__":
    main()
