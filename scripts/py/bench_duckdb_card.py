"""The card view's windowed features computed by DuckDB from the same events, for bench-replay:
per event, the card's count over 1 m, 1 h and 24 h and sum/avg/max/min/stddev of the amount over
1 h and 24 h before the event (window functions over event time). Prints events/s of the query.

usage: bench_duckdb_card.py EVENTS.jsonl
"""

import sys
import time

import duckdb

path = sys.argv[1]
connection = duckdb.connect()
started = time.perf_counter()
connection.execute(
    f"CREATE TABLE events AS SELECT card_id, amount::DOUBLE AS amount, ts::BIGINT AS ts FROM read_json_auto('{path}')"
)
loaded = time.perf_counter()
count = connection.execute("SELECT count(*) FROM events").fetchone()[0]
connection.execute(
    """
    CREATE TABLE features AS SELECT
        count(*) OVER m1 AS txn_count_1m, count(*) OVER h1 AS txn_count_1h, count(*) OVER h24 AS txn_count_24h,
        sum(amount) OVER h1 AS amount_sum_1h, sum(amount) OVER h24 AS amount_sum_24h,
        avg(amount) OVER h1 AS amount_avg_1h, avg(amount) OVER h24 AS amount_avg_24h,
        max(amount) OVER h1 AS amount_max_1h, max(amount) OVER h24 AS amount_max_24h,
        min(amount) OVER h24 AS amount_min_24h, stddev_pop(amount) OVER h24 AS amount_std_24h
    FROM events
    WINDOW m1 AS (PARTITION BY card_id ORDER BY ts RANGE BETWEEN 60000 PRECEDING AND 1 PRECEDING),
           h1 AS (PARTITION BY card_id ORDER BY ts RANGE BETWEEN 3600000 PRECEDING AND 1 PRECEDING),
           h24 AS (PARTITION BY card_id ORDER BY ts RANGE BETWEEN 86400000 PRECEDING AND 1 PRECEDING)
    """
)
done = time.perf_counter()
query = done - loaded
print(
    f"duckdb: {count} events, load {loaded - started:.2f} s, card features {query:.2f} s: "
    f"{int(count / query)} events/s (query), {int(count / (done - started))} events/s (load + query)"
)
