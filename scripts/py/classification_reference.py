"""Reference figures for Sluice's experiment report, computed with scikit-learn, scipy and numpy.

    classification_reference.py arrays FILE.json    {"scores", "labels", "threshold", "latencies"?}
    classification_reference.py outcomes FILE.parquet THRESHOLD
        (a `sluice outcomes` file: one entry per variant and version, on its matured rows)
    classification_reference.py concept FILE.json
        ({"predictions": [{event_id, event_time, score, variant, version, served}], "labels": [{txn_id, label, ts}],
        "delay", "window", "threshold", "reference": {"scores", "labels"}}: the outcome join of `sluice outcomes`
        done here, then per event-time window and variant the figures of a concept-drift window)
    classification_reference.py rows FILE.parquet
        (a `sluice outcomes` file's rows as [request_id, variant, label_status, label, label_time, matured],
        read by pyarrow, and its metadata)

Prints JSON with camelCase keys: rocAUC, deLongVariance (the pairwise definition of DeLong et al.
1988, O(n1 n0), independent of Sluice's midrank computation), averagePrecision, precision,
recall, recallAt1PercentFPR, brier, Wilson intervals by scipy's binomtest, and the p99 of the
latencies by numpy.
"""
import json
import sys

import numpy as np
from scipy.stats import binomtest
from sklearn import metrics


def wilson(successes, trials):
    if trials == 0:
        return None
    interval = binomtest(int(successes), int(trials)).proportion_ci(confidence_level=0.95, method="wilson")
    return [float(interval.low), float(interval.high)]


def delong_variance(scores, labels):
    positives = scores[labels == 1]
    negatives = scores[labels == 0]
    if len(positives) < 2 or len(negatives) < 2:
        return None
    kernel = (positives[:, None] > negatives[None, :]) + 0.5 * (positives[:, None] == negatives[None, :])
    v10 = kernel.mean(axis=1)
    v01 = kernel.mean(axis=0)
    return float(np.var(v10, ddof=1) / len(positives) + np.var(v01, ddof=1) / len(negatives))


def figures(scores, labels, threshold, latencies=None):
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    result = {"rows": int(len(labels)), "positives": int(labels.sum())}
    result["fraudRateInterval"] = wilson(labels.sum(), len(labels))
    if 0 < labels.sum() < len(labels):
        result["rocAUC"] = float(metrics.roc_auc_score(labels, scores))
        result["deLongVariance"] = delong_variance(scores, labels)
        fpr, tpr, _ = metrics.roc_curve(labels, scores, drop_intermediate=False)
        result["recallAt1PercentFPR"] = float(tpr[fpr <= 0.01].max())
    if labels.sum() > 0:
        result["averagePrecision"] = float(metrics.average_precision_score(labels, scores))
    flagged = scores >= threshold
    tp = int((flagged & (labels == 1)).sum())
    if flagged.sum() > 0:
        result["precision"] = float(metrics.precision_score(labels, flagged))
    result["precisionInterval"] = wilson(tp, flagged.sum())
    if labels.sum() > 0:
        result["recall"] = float(metrics.recall_score(labels, flagged))
    result["recallInterval"] = wilson(tp, labels.sum())
    if len(labels) > 0:
        result["brier"] = float(metrics.brier_score_loss(labels, scores, pos_label=1)) if labels.sum() > 0 else float(
            np.mean(scores**2))
    if latencies is not None and len(latencies) > 0:
        result["latencyP99"] = float(np.percentile(np.asarray(latencies, dtype=np.float64), 99))
    return result


def concept(data):
    """Per window and variant: the label known within the delay (the newest), else legitimate."""
    delay, window, threshold = data["delay"], data["window"], data["threshold"]
    known = {}
    for label in data["labels"]:
        known.setdefault(label["txn_id"], []).append((label["ts"], label["label"]))
    groups = {}
    for p in data["predictions"]:
        counted = [(ts, value) for ts, value in known.get(p["event_id"], []) if ts - p["event_time"] <= delay]
        newest = max(counted, key=lambda pair: pair[0]) if counted else None
        fraud = 1 if newest is not None and newest[1] != 0 else 0
        start = p["event_time"] - p["event_time"] % window
        key = f'{start}:{p["variant"]}:{p["version"]}'
        group = groups.setdefault(key, {"scores": [], "labels": [], "labeled": 0})
        group["scores"].append(p["score"])
        group["labels"].append(fraud)
        group["labeled"] += newest is not None
    reference = np.asarray(data["reference"]["scores"], dtype=np.float64)
    reference_labels = np.asarray(data["reference"]["labels"], dtype=np.int64)
    edges = np.unique(np.quantile(reference, [i / 10 for i in range(1, 10)]))
    reference_bins = np.searchsorted(edges, reference, side="right")
    result = {}
    for key, group in groups.items():
        scores = np.asarray(group["scores"], dtype=np.float64)
        labels = np.asarray(group["labels"], dtype=np.int64)
        entry = figures(scores, labels, threshold)
        entry["labeled"] = group["labeled"]
        entry["fraudRate"] = float(labels.mean())
        if 0 < labels.sum() < len(labels):
            entry["logLoss"] = float(metrics.log_loss(labels, scores, labels=[0, 1]))
        bins = np.searchsorted(edges, scores, side="right")
        deciles = []
        for b in range(len(edges) + 1):
            chosen = bins == b
            rate = float(labels[chosen].mean()) if chosen.any() else None
            reference_chosen = reference_bins == b
            deciles.append({"count": int(chosen.sum()), "fraudRate": rate,
                            "meanScore": float(scores[chosen].mean()) if chosen.any() else None,
                            "referenceFraudRate": float(reference_labels[reference_chosen].mean())})
        entry["calibration"] = deciles
        current = np.array([d["count"] for d in deciles]) / len(scores)
        expected = np.array([reference_chosen.sum() for reference_chosen in
                             (reference_bins == b for b in range(len(edges) + 1))]) / len(reference)
        current = np.where(current == 0, 0.0001, current)
        expected = np.where(expected == 0, 0.0001, expected)
        entry["scorePSI"] = float(np.sum((current - expected) * np.log(current / expected)))
        result[key] = entry
    return result


def main():
    if sys.argv[1] == "concept":
        print(json.dumps(concept(json.load(open(sys.argv[2])))))
        return
    if sys.argv[1] == "arrays":
        data = json.load(open(sys.argv[2]))
        print(json.dumps(figures(data["scores"], data["labels"], data["threshold"], data.get("latencies"))))
        return
    import pyarrow.parquet as pq

    if sys.argv[1] == "rows":
        file = pq.read_table(sys.argv[2])
        rows = [[r["request_id"], r["variant"], r["label_status"], r["label"],
                 None if r["label_time"] is None else int(round(r["label_time"].timestamp() * 1000)), r["matured"]]
                for r in file.to_pylist()]
        metadata = {k.decode(): v.decode() for k, v in (file.schema.metadata or {}).items() if k.startswith(b"sluice")}
        print(json.dumps({"rows": rows, "metadata": metadata}))
        return
    table = pq.read_table(sys.argv[2]).to_pandas()
    threshold = float(sys.argv[3])
    variants = []
    for (variant, version, served), group in table.groupby(["variant", "version", "served"]):
        matured = group[group["matured"]]
        entry = figures(matured["score"], (matured["label"].fillna(0) != 0).astype(int), threshold,
                        group["latency_us"] if served else None)
        entry.update(variant=variant, version=int(version), served=bool(served), requests=int(len(group)),
                     matured=int(len(matured)), labeled=int((group["label_status"] == "labeled").sum()),
                     pending=int((group["label_status"] == "pending").sum()))
        variants.append(entry)
    print(json.dumps({"variants": variants}))


if __name__ == "__main__":
    main()
