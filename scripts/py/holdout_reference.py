"""The holdout evaluation of continuous training, the way xgboost and scikit-learn compute it.

    holdout_reference.py SET.parquet HOLDOUT_MS MODEL.json...
        The labeled rows of the training set whose event_time is within HOLDOUT_MS of its newest
        event; for each model, xgboost's predictions (with the model's own feature names) and
        scikit-learn's average precision, ROC-AUC and recall at 1% false-positive rate (the highest
        true-positive rate among roc_curve's points whose false-positive rate is at most 0.01).
        Also the facts of the whole set that validation reads: rows, labeled rows, fraud among
        them and each column's share of nulls. Prints one JSON object.
"""
import json
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xgboost as xgb
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve


def main():
    path, holdout = sys.argv[1], int(sys.argv[2])
    arrow = pq.read_table(path)
    # Epoch milliseconds, the timestamp column's own unit.
    times = arrow.column("event_time").cast(pa.int64()).to_numpy(zero_copy_only=False)
    table = arrow.to_pandas()
    newest = int(times.max())
    rows = table[(times >= newest - holdout) & (table["label_status"] == "labeled") & table["label"].notna()]
    labels = (rows["label"].to_numpy() != 0).astype(int)
    labeled = table[(table["label_status"] == "labeled") & table["label"].notna()]
    facts = {"rows": int(len(table)), "labeled": int(len(labeled)), "positives": int((labeled["label"] != 0).sum()),
             "null_shares": {name: float(table[name].isna().mean()) for name in table.columns}}
    result = {"rows": int(len(rows)), "positives": int(labels.sum()), "models": [], "facts": facts}
    for model_path in sys.argv[3:]:
        booster = xgb.Booster()
        booster.load_model(model_path)
        features = booster.feature_names
        scores = booster.inplace_predict(rows[features].to_numpy(dtype=np.float32))
        fpr, tpr, _ = roc_curve(labels, scores)
        result["models"].append({
            "pr_auc": float(average_precision_score(labels, scores)),
            "roc_auc": float(roc_auc_score(labels, scores)),
            "recall_at_1pct_fpr": float(max(t for f, t in zip(fpr, tpr) if f <= 0.01)),
        })
    print(json.dumps(result))


main()
