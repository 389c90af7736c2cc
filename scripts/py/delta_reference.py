"""Reads a Delta table the way outside tools do, for Sluice's tests.

    delta_reference.py read DIR [VERSION] [APP_ID,...]
        delta-rs (PyPI deltalake): the table's version, its rows sorted by every column (as JSON
        values), the transaction version of each app id, the add actions' paths; and polars.read_delta's
        row count of the same version.
    delta_reference.py checkpoint DIR
        delta-rs writes a checkpoint of the newest version (create_checkpoint) and prints the version.
    delta_reference.py digest DIR VERSION [PARQUET ...]
        The rows of version VERSION as delta-rs's load_as_version reads them, and of each Parquet file
        (a training set) as pyarrow reads it: count and sha256 of their sorted (kafka_partition,
        kafka_offset) pairs; and each file's own sha256.
"""
import hashlib
import json
import sys

import deltalake
import polars


def pairs_digest(arrow):
    pairs = sorted(zip(arrow.column("kafka_partition").to_pylist(), arrow.column("kafka_offset").to_pylist()))
    return {"rows": len(pairs), "digest": hashlib.sha256("\n".join(f"{p}:{o}" for p, o in pairs).encode()).hexdigest()}


def digest():
    import pyarrow.parquet as pq

    table = deltalake.DeltaTable(sys.argv[2])
    table.load_as_version(int(sys.argv[3]))
    result = {"table": pairs_digest(table.to_pyarrow_table(columns=["kafka_partition", "kafka_offset"])), "files": []}
    for path in sys.argv[4:]:
        entry = pairs_digest(pq.read_table(path, columns=["kafka_partition", "kafka_offset"]))
        entry["sha256"] = hashlib.sha256(open(path, "rb").read()).hexdigest()
        entry["version"] = (pq.read_metadata(path).metadata or {}).get(b"sluice.table.version", b"").decode()
        result["files"].append(entry)
    print(json.dumps(result))


def main():
    if sys.argv[1] == "digest":
        digest()
        return
    if sys.argv[1] == "checkpoint":
        table = deltalake.DeltaTable(sys.argv[2])
        table.create_checkpoint()
        print(json.dumps({"version": table.version()}))
        return
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
