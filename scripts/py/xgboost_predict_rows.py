"""xgboost's predictions for rows given as JSON, as the reference for served scores. Input: a
JSON file {"columns": [...], "rows": [[value or null, ...], ...]}. Prints {"scores": [...]}.

    xgboost_predict_rows.py MODEL.json ROWS.json
"""
import json
import sys

import numpy as np
import xgboost as xgb


def main():
    data = json.load(open(sys.argv[2]))
    x = np.array([[np.nan if v is None else v for v in row] for row in data["rows"]], dtype=np.float32)
    booster = xgb.Booster(model_file=sys.argv[1])
    scores = booster.predict(xgb.DMatrix(x, missing=np.nan, feature_names=data["columns"]))
    print(json.dumps({"scores": [float(s) for s in scores]}))


if __name__ == "__main__":
    main()
