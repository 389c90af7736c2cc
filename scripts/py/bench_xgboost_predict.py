"""xgboost's own scoring on one thread, as the peer of `sluice-bench model`: inplace_predict of
all rows at once (rows/s, best of --rounds) and of one row at a time (latency percentiles).
Prints one JSON line.

    bench_xgboost_predict.py MODEL.json ROWS.f32 FEATURES [--rounds 5] [--single-rows 2000]
"""
import argparse
import json
import time

import numpy as np
import xgboost as xgb


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("rows")
    parser.add_argument("features", type=int)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--single-rows", type=int, default=2000)
    args = parser.parse_args()
    booster = xgb.Booster(model_file=args.model)
    booster.set_param({"nthread": 1})
    x = np.fromfile(args.rows, dtype="<f4").reshape(-1, args.features)
    booster.inplace_predict(x[:100], missing=np.nan)
    best = float("inf")
    for _ in range(args.rounds):
        started = time.perf_counter()
        booster.inplace_predict(x, missing=np.nan)
        best = min(best, time.perf_counter() - started)
    latencies = []
    for index in range(args.single_rows):
        row = x[index % len(x)].reshape(1, -1)
        started = time.perf_counter_ns()
        booster.inplace_predict(row, missing=np.nan)
        latencies.append((time.perf_counter_ns() - started) / 1000)
    latencies.sort()
    print(json.dumps({
        "rows": len(x), "batch_rows_per_second": len(x) / best,
        "single_p50_us": latencies[len(latencies) // 2], "single_p99_us": latencies[len(latencies) * 99 // 100],
        "xgboost": xgb.__version__,
    }))


if __name__ == "__main__":
    main()
