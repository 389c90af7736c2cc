"""The floor under alias resolution on SQLite: Python's sqlite3 running the same indexed join
Sluice runs (alias -> version row) on the same file, one query per call. Prints one JSON line of
microsecond percentiles.

    bench_sqlite_resolve.py REGISTRY.sqlite MODEL ALIAS [ITERATIONS]
"""
import json
import sqlite3
import sys
import time


def main():
    path, model, alias = sys.argv[1:4]
    iterations = int(sys.argv[4]) if len(sys.argv) > 4 else 20000
    connection = sqlite3.connect(path)
    query = (
        "SELECT v.body, v.approval FROM registry_aliases a "
        "JOIN registry_model_versions v ON v.model = a.model AND v.version = a.version "
        "WHERE a.model = ? AND a.alias = ?"
    )
    for _ in range(iterations // 10):
        connection.execute(query, (model, alias)).fetchall()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter_ns()
        rows = connection.execute(query, (model, alias)).fetchall()
        json.loads(rows[0][0])
        samples.append((time.perf_counter_ns() - started) / 1000)
    samples.sort()
    print(json.dumps({
        "p50": samples[len(samples) // 2],
        "p99": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        "max": samples[-1],
    }))


if __name__ == "__main__":
    main()
