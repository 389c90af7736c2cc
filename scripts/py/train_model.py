"""Trains an XGBoost fraud model on a `sluice training-set` Parquet file with a time-based split.

Rows: only matured payments are used, those whose label delay (the set's sluice.labels.delay_max_ms)
had passed at its as-of time (sluice.labels.as_of): 'labeled' rows keep their label and 'expired'
rows (no label within the delay) count as legitimate (0), the rule `sluice outcomes` applies too.
Younger rows are left out, labeled or not: fraud labels come sooner than the delay's end, so
keeping the young labeled rows would overstate fraud. The newest --validation share of the kept rows by event time is held out;
the model is trained on the older rows only, so the validation metrics estimate how it does on
payments that come after its training data, as it will in production.

Writes the model in XGBoost's JSON format (--out) and its metrics as JSON (--metrics, default the
model path with .metrics.json), and prints the metrics. Validation metrics: ROC-AUC, PR-AUC
(average precision), precision and recall at --threshold, recall at 1% false-positive rate (the
highest true-positive rate among score thresholds whose false-positive rate is at most 1%), log
loss, all computed by scikit-learn.
"""
import argparse
import json
import sys

import numpy as np
import pyarrow.parquet as pq
import xgboost as xgb
from sklearn import metrics


def fail(message):
    print(f"train: {message}", file=sys.stderr)
    sys.exit(2)


def recall_at_fpr(labels, scores, max_fpr):
    fpr, tpr, _ = metrics.roc_curve(labels, scores, drop_intermediate=False)
    return float(tpr[fpr <= max_fpr].max())


def evaluate(labels, scores, threshold):
    flagged = scores >= threshold
    positives = int(labels.sum())
    result = {"rows": int(len(labels)), "positives": positives}
    if positives == 0 or positives == len(labels):
        return result
    result.update(
        roc_auc=float(metrics.roc_auc_score(labels, scores)),
        pr_auc=float(metrics.average_precision_score(labels, scores)),
        precision=float(metrics.precision_score(labels, flagged, zero_division=0)),
        recall=float(metrics.recall_score(labels, flagged, zero_division=0)),
        recall_at_1pct_fpr=recall_at_fpr(labels, scores, 0.01),
        log_loss=float(metrics.log_loss(labels, scores, labels=[0, 1])),
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--training-set", required=True, help="a `sluice training-set` Parquet file")
    parser.add_argument("--out", required=True, help="the model, XGBoost JSON")
    parser.add_argument("--metrics", help="metrics JSON (default: OUT with .metrics.json)")
    parser.add_argument("--features", help="comma-separated columns (default: every view__feature column)")
    parser.add_argument("--validation", type=float, default=0.2, help="newest share of rows held out (0.2)")
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--eta", type=float, default=0.1)
    parser.add_argument("--threshold", type=float, default=0.5, help="decision threshold for precision/recall")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not 0 < args.validation < 1:
        fail("--validation must be between 0 and 1")

    try:
        parquet = pq.read_table(args.training_set)
        table = parquet.to_pandas()
    except Exception as error:  # noqa: BLE001 - any reading failure is the user's file
        fail(f"cannot read {args.training_set}: {error}")
    missing = {"event_time", "label", "label_status"} - set(table.columns)
    if missing:
        fail(f"{args.training_set} is not a sluice training set (no {', '.join(sorted(missing))})")
    features = args.features.split(",") if args.features else [c for c in table.columns if "__" in c]
    unknown = [f for f in features if f not in table.columns]
    if unknown:
        fail(f"no such columns: {', '.join(unknown)}")

    metadata = parquet.schema.metadata or {}
    try:
        as_of = int(metadata[b"sluice.labels.as_of"])
        delay_max = int(metadata[b"sluice.labels.delay_max_ms"])
    except (KeyError, ValueError):
        fail(f"{args.training_set} has no sluice.labels.as_of / delay_max_ms metadata; make it with sluice training-set")
    event_ms = table["event_time"].astype("datetime64[ms, UTC]").astype("int64")
    matured = (event_ms + delay_max <= as_of) & (table["label_status"] != "unlabeled")
    kept = table[matured].sort_values("event_time", kind="stable")
    if len(kept) < 10:
        fail(f"only {len(kept)} rows are matured; produce older events or lower --label-delay-max")
    labels = np.where(kept["label_status"] == "labeled", kept["label"].fillna(0), 0).astype(np.int32)
    x = kept[features].to_numpy(dtype=np.float64)
    split = int(len(kept) * (1 - args.validation))
    split_time = kept["event_time"].iloc[split]
    if labels[:split].sum() == 0:
        fail("the training part has no fraud label; the model would learn nothing")

    train = xgb.DMatrix(x[:split], label=labels[:split], feature_names=features, missing=np.nan)
    booster = xgb.train(
        {
            "objective": "binary:logistic",
            "max_depth": args.depth,
            "eta": args.eta,
            "seed": args.seed,
            "nthread": 2,
            "eval_metric": "aucpr",
        },
        train,
        num_boost_round=args.trees,
    )
    booster.save_model(args.out)
    validation_scores = booster.predict(xgb.DMatrix(x[split:], feature_names=features, missing=np.nan))
    result = {
        "features": features,
        "trees": args.trees,
        "depth": args.depth,
        "eta": args.eta,
        "threshold": args.threshold,
        "rows_too_young": int(len(table) - len(kept)),
        "split_time": split_time.isoformat(),
        "train": {"rows": split, "positives": int(labels[:split].sum())},
        "validation": evaluate(labels[split:], validation_scores, args.threshold),
    }
    with open(args.metrics or args.out.removesuffix(".json") + ".metrics.json", "w") as out:
        json.dump(result, out, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
