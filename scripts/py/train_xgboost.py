"""Trains a small XGBoost binary classifier and saves it in XGBoost's JSON format.

Features and labels come from a Sluice training set (Parquet: the named feature columns and
`label`, rows with label_status = labeled) or, with --synthetic N, from N seeded random rows in
which fraud depends on the features. Prints one JSON line: trees, features, base_score, version.

    train_xgboost.py --out model.json --features card__txn_count_1h,card__amount_sum_1h \
        (--training-set set.parquet | --synthetic 5000) [--trees 20] [--depth 4] [--no-names] [--seed 7]
"""
import argparse
import json

import numpy as np
import xgboost as xgb


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--features", required=True)
    parser.add_argument("--training-set")
    parser.add_argument("--synthetic", type=int)
    parser.add_argument("--trees", type=int, default=20)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-names", action="store_true")
    args = parser.parse_args()
    features = args.features.split(",")

    if args.training_set:
        import pyarrow.parquet as pq

        table = pq.read_table(args.training_set).to_pandas()
        table = table[table["label_status"] == "labeled"]
        x = table[features].to_numpy(dtype=np.float64)
        y = table["label"].to_numpy(dtype=np.int32)
    else:
        rng = np.random.default_rng(args.seed)
        x = rng.gamma(2.0, 10.0, size=(args.synthetic, len(features)))
        x[rng.random(x.shape) < 0.05] = np.nan
        score = np.nan_to_num(x[:, 0]) / 20.0 - np.nan_to_num(x[:, -1]) / 40.0 + rng.normal(0, 1, len(x))
        y = (score > 1.2).astype(np.int32)

    matrix = xgb.DMatrix(x, label=y, feature_names=None if args.no_names else features, missing=np.nan)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": args.depth, "eta": 0.3, "seed": args.seed, "nthread": 1},
        matrix,
        num_boost_round=args.trees,
    )
    booster.save_model(args.out)
    saved = json.load(open(args.out))
    print(json.dumps({
        "trees": len(saved["learner"]["gradient_booster"]["model"]["trees"]),
        "features": saved["learner"].get("feature_names", []),
        "base_score": saved["learner"]["learner_model_param"]["base_score"],
        "version": saved["version"],
        "rows": int(len(y)),
    }))


if __name__ == "__main__":
    main()
