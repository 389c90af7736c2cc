"""Reads a Parquet file with pyarrow, DuckDB and pandas and compares it with what the writer meant
to write. Used by the Swift tests; prints one JSON object: {"rows": N, "mismatches": [...]}.

usage: parquet_check.py FILE.parquet EXPECTED.json

EXPECTED.json: {"columns": [{"name", "type", "optional", "values": [...], "dictionary"?}],
                "metadata": {k: v}, "codec"?: "ZSTD" | "SNAPPY" | "UNCOMPRESSED"}
Values are canonical strings (or null): integers and timestamps (epoch ms) in decimal, doubles as
the decimal int64 of their IEEE bit pattern, booleans "true"/"false", strings as themselves.
"""

import json
import math
import struct
import sys

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ARROW_TYPES = {
    "string": {pa.string(), pa.large_string()},
    "int32": {pa.int32()},
    "int64": {pa.int64()},
    "double": {pa.float64()},
    "boolean": {pa.bool_()},
    "timestampMillis": {pa.timestamp("ms", tz="UTC"), pa.timestamp("ms", tz="+00:00")},
}
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestampMillis": "TIMESTAMP WITH TIME ZONE",
}
LOGICAL_TYPES = {
    "string": "STRING",
    "int32": "INT",
    "int64": "INT",
    "double": "NONE",
    "boolean": "NONE",
    "timestampMillis": "TIMESTAMP",
}
PHYSICAL_TYPES = {
    "string": "BYTE_ARRAY",
    "int32": "INT32",
    "int64": "INT64",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestampMillis": "INT64",
}


def double_bits(value):
    return str(struct.unpack("<q", struct.pack("<d", value))[0])


def canonical(kind, value):
    if value is None:
        return None
    if kind == "double":
        return double_bits(value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "string":
        return value
    return str(int(value))


def typed(kind, text):
    """The Python value an expected canonical string stands for (for statistics)."""
    if kind == "double":
        return struct.unpack("<d", struct.pack("<q", int(text)))[0]
    if kind == "boolean":
        return text == "true"
    if kind == "string":
        return text
    return int(text)


def compare_values(reader, column, actual, mismatches):
    expected = column["values"]
    if len(actual) != len(expected):
        mismatches.append(f"{reader}: column {column['name']}: {len(actual)} values, expected {len(expected)}")
        return
    wrong = [i for i, (a, e) in enumerate(zip(actual, expected)) if a != e]
    if wrong:
        i = wrong[0]
        mismatches.append(
            f"{reader}: column {column['name']}: {len(wrong)} wrong values; first at row {i}: "
            f"read {actual[i]!r}, expected {expected[i]!r}"
        )


def check_pyarrow(path, spec, mismatches):
    table = pq.read_table(path)
    for column in spec["columns"]:
        name, kind = column["name"], column["type"]
        array = table.column(name)
        if array.type not in ARROW_TYPES[kind]:
            mismatches.append(f"pyarrow: column {name}: type {array.type}, expected {kind}")
            continue
        if kind == "timestampMillis":
            array = array.cast(pa.int64())
        compare_values("pyarrow", column, [canonical(kind, v) for v in array.to_pylist()], mismatches)

    parquet = pq.ParquetFile(path)
    metadata = parquet.metadata
    stored = {k.decode(): v.decode() for k, v in (metadata.metadata or {}).items()}
    for key, value in spec.get("metadata", {}).items():
        if stored.get(key) != value:
            mismatches.append(f"pyarrow: metadata {key!r} = {stored.get(key)!r}, expected {value!r}")
    if "codec" in spec and metadata.num_row_groups > 0:
        for index in range(metadata.num_columns):
            codec = metadata.row_group(0).column(index).compression
            if codec != spec["codec"]:
                mismatches.append(f"pyarrow: column {index}: compression {codec}, expected {spec['codec']}")
    for index, column in enumerate(spec["columns"]):
        name, kind = column["name"], column["type"]
        schema_column = parquet.schema.column(index)
        if schema_column.physical_type != PHYSICAL_TYPES[kind]:
            mismatches.append(f"pyarrow: column {name}: physical type {schema_column.physical_type}")
        if schema_column.logical_type.type != LOGICAL_TYPES[kind]:
            mismatches.append(f"pyarrow: column {name}: logical type {schema_column.logical_type}")
        if schema_column.max_definition_level != (1 if column["optional"] else 0):
            mismatches.append(f"pyarrow: column {name}: max definition level {schema_column.max_definition_level}")
        check_statistics(metadata, index, column, mismatches)
        if "dictionary" in column and metadata.num_row_groups > 0:
            encodings = metadata.row_group(0).column(index).encodings
            if ("RLE_DICTIONARY" in encodings) != column["dictionary"]:
                mismatches.append(f"pyarrow: column {name}: encodings {encodings}, dictionary expected {column['dictionary']}")
    return table.num_rows


def check_statistics(metadata, index, column, mismatches):
    name, kind = column["name"], column["type"]
    values = [typed(kind, v) for v in column["values"] if v is not None]
    if kind == "double":
        values = [v for v in values if not math.isnan(v)]
    nulls = sum(1 for v in column["values"] if v is None)
    stored_nulls = 0
    lows, highs = [], []
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(index).statistics
        if stats is None:
            mismatches.append(f"statistics: column {name}: row group {group} has none")
            return
        stored_nulls += stats.null_count
        if stats.has_min_max:
            lows.append(stats.min)
            highs.append(stats.max)
    if stored_nulls != nulls:
        mismatches.append(f"statistics: column {name}: null_count {stored_nulls}, expected {nulls}")
    if not values:
        if lows:
            mismatches.append(f"statistics: column {name}: min/max stored for a column without values")
        return
    if not lows:
        mismatches.append(f"statistics: column {name}: no min/max stored")
        return
    low, high = min(lows), max(highs)
    if kind == "timestampMillis":
        low, high = int(pd.Timestamp(low).value // 1_000_000), int(pd.Timestamp(high).value // 1_000_000)
    if kind == "string":
        # The format orders strings byte-wise, which is code-point order in UTF-8.
        expected_low = min(values, key=lambda s: s.encode())
        expected_high = max(values, key=lambda s: s.encode())
    else:
        expected_low, expected_high = min(values), max(values)
    if low != expected_low or high != expected_high:
        mismatches.append(
            f"statistics: column {name}: min/max {low!r}/{high!r}, expected {expected_low!r}/{expected_high!r}"
        )


def check_duckdb(path, spec, mismatches):
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    quoted = path.replace("'", "''")
    described = {row[0]: row[1] for row in connection.execute(f"DESCRIBE SELECT * FROM read_parquet('{quoted}')").fetchall()}
    selects = []
    for column in spec["columns"]:
        name, kind = column["name"], column["type"]
        if described.get(name) != DUCKDB_TYPES[kind]:
            mismatches.append(f"duckdb: column {name}: type {described.get(name)}, expected {DUCKDB_TYPES[kind]}")
        identifier = '"' + name.replace('"', '""') + '"'
        selects.append(f"epoch_ms({identifier})" if kind == "timestampMillis" else identifier)
    rows = connection.execute(f"SELECT {', '.join(selects)} FROM read_parquet('{quoted}')").fetchall()
    for index, column in enumerate(spec["columns"]):
        compare_values("duckdb", column, [canonical(column["type"], row[index]) for row in rows], mismatches)
    return len(rows)


def check_pandas(path, spec, mismatches):
    frame = pd.read_parquet(path)
    for column in spec["columns"]:
        name = column["name"]
        nulls = sum(1 for v in column["values"] if v is None)
        read_nulls = int(frame[name].isna().sum())
        if column["type"] == "double":
            # pandas counts NaN as missing too.
            nulls += sum(1 for v in column["values"] if v is not None and math.isnan(typed("double", v)))
        if read_nulls != nulls:
            mismatches.append(f"pandas: column {name}: {read_nulls} missing values, expected {nulls}")
    return len(frame)


def main():
    path, expected_path = sys.argv[1], sys.argv[2]
    with open(expected_path) as handle:
        spec = json.load(handle)
    mismatches = []
    rows = {}
    for reader, check in (("pyarrow", check_pyarrow), ("duckdb", check_duckdb), ("pandas", check_pandas)):
        try:
            rows[reader] = check(path, spec, mismatches)
        except Exception as error:  # a reader that cannot read the file is the finding
            mismatches.append(f"{reader}: could not read {path}: {type(error).__name__}: {error}")
    print(json.dumps({"rows": rows, "mismatches": mismatches}))


if __name__ == "__main__":
    main()
