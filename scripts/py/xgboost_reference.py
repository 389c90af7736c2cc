"""Trains an XGBoost model on seeded synthetic rows (10% of values missing) and writes what a
test needs to check another evaluator against xgboost's own predict: the model as JSON, the
scoring rows as raw little-endian float32 (row-major, NaN for missing) and xgboost's predictions
for them as raw float32. Prints one JSON line.

    xgboost_reference.py --out-dir DIR --trees N --depth D [--objective binary:logistic]
        [--booster gbtree|dart] [--rows 10000] [--features 12] [--seed 1] [--scalar-base-score]

--scalar-base-score rewrites base_score as XGBoost 1.x wrote it ("5E-1" instead of "[5E-1]").
"""
import argparse
import json
import os

import numpy as np
import xgboost as xgb


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--trees", type=int, required=True)
    parser.add_argument("--depth", type=int, required=True)
    parser.add_argument("--objective", default="binary:logistic")
    parser.add_argument("--booster", default="gbtree")
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--features", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scalar-base-score", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    def rows(n):
        x = rng.gamma(2.0, 10.0, size=(n, args.features)).astype(np.float32)
        x[:, 1] = np.round(x[:, 1])  # an integer-valued column: ties with split conditions
        x[rng.random(x.shape) < 0.10] = np.nan
        return x

    train = rows(args.rows)
    signal = np.nan_to_num(train[:, 0]) / 15 - np.nan_to_num(train[:, 2]) / 30 + rng.normal(0, 1, args.rows)
    label = signal if args.objective == "reg:squarederror" else (signal > 1.0).astype(np.float32)
    params = {"objective": args.objective, "max_depth": args.depth, "eta": 0.3, "seed": args.seed, "nthread": 1,
              "booster": args.booster}
    if args.booster == "dart":
        params.update({"rate_drop": 0.2, "skip_drop": 0.3})
    booster = xgb.train(params, xgb.DMatrix(train, label=label, missing=np.nan), num_boost_round=args.trees)
    os.makedirs(args.out_dir, exist_ok=True)
    model_path = os.path.join(args.out_dir, "model.json")
    booster.save_model(model_path)
    if args.scalar_base_score:
        model = json.load(open(model_path))
        parameters = model["learner"]["learner_model_param"]
        parameters["base_score"] = parameters["base_score"].strip("[]")
        json.dump(model, open(model_path, "w"))
        booster = xgb.Booster(model_file=model_path)

    score = rows(args.rows)
    predictions = booster.predict(xgb.DMatrix(score, missing=np.nan)).astype(np.float32)
    score.astype("<f4").tofile(os.path.join(args.out_dir, "rows.f32"))
    predictions.astype("<f4").tofile(os.path.join(args.out_dir, "predictions.f32"))
    print(json.dumps({"rows": args.rows, "features": args.features, "trees": args.trees,
                      "xgboost": xgb.__version__}))


if __name__ == "__main__":
    main()
