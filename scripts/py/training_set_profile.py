"""Profiles a Sluice training set with pyarrow, independently of Sluice: row and label counts,
Kafka offset ranges per partition, the event-time range, the file's SHA-256 and its key-value
metadata. Prints one JSON line.

    training_set_profile.py FILE.parquet
"""
import hashlib
import json
import sys

import pyarrow.compute as pc
import pyarrow.parquet as pq


def main():
    path = sys.argv[1]
    table = pq.read_table(path)
    status = table.column("label_status").to_pylist()
    labels = table.column("label").to_pylist()
    partitions = {}
    for partition, offset in zip(table.column("kafka_partition").to_pylist(), table.column("kafka_offset").to_pylist()):
        first, last, rows = partitions.get(partition, (offset, offset, 0))
        partitions[partition] = (min(first, offset), max(last, offset), rows + 1)
    times = table.column("event_time").cast("int64")
    metadata = {k.decode(): v.decode() for k, v in (pq.read_schema(path).metadata or {}).items()}
    print(json.dumps({
        "rows": table.num_rows,
        "labeled": status.count("labeled"),
        "positives": sum(1 for s, l in zip(status, labels) if s == "labeled" and l),
        "unlabeled": status.count("unlabeled"),
        "expired": status.count("expired"),
        "partitions": [
            {"partition": p, "firstOffset": f, "lastOffset": l, "rows": r}
            for p, (f, l, r) in sorted(partitions.items())
        ],
        "firstEventTime": pc.min(times).as_py(),
        "lastEventTime": pc.max(times).as_py(),
        "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(),
        "bytes": len(open(path, "rb").read()),
        "metadata": metadata,
        "columns": table.column_names,
    }))


if __name__ == "__main__":
    main()
