"""Checks `sluice score` output against xgboost: predicts the input rows' columns (in the given
order, null as missing) with the model and compares with the scored file's `score`, row by row,
and its event ids with the input's. Prints one JSON line.

    check_scores.py MODEL.json INPUT.parquet SCORED.parquet COLUMN,COLUMN,...
"""
import json
import sys

import numpy as np
import pyarrow.parquet as pq
import xgboost as xgb


def main():
    model, source, scored, columns = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
    table = pq.read_table(source).to_pandas()
    out = pq.read_table(scored).to_pandas()
    x = table[columns].to_numpy(dtype=np.float32, na_value=np.nan)
    booster = xgb.Booster(model_file=model)
    expected = booster.predict(xgb.DMatrix(x, missing=np.nan, feature_names=columns))
    print(json.dumps({
        "rows": int(len(out)),
        "maxDifference": float(np.max(np.abs(out["score"].to_numpy() - expected))) if len(out) else 0.0,
        "sameIds": bool((out["event_id"].to_numpy() == table["event_id"].to_numpy()).all()),
        "columns": list(out.columns),
    }))


if __name__ == "__main__":
    main()
