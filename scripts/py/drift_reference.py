"""Reference values for Sluice's drift statistics, computed with numpy and scipy.

  drift_reference.py distributions CASES.json   kstwo.sf and smirnov for [[n, x], ...]
  drift_reference.py samples CASES.json         ks_2samp, wasserstein_distance, chi2_contingency
                                                for [{"reference": [...], "current": [...]}, ...]
  drift_reference.py compare REF.parquet CUR.parquet BINS
                                                every column's statistics as the issue defines them
  drift_reference.py make DIR SEED              writes Parquet pairs that exercise every branch

Each prints one JSON document on its last line.
"""
import json
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import special, stats
from scipy.spatial import distance

SMOOTHING = 0.0001


def proportions(counts):
    counts = np.asarray(counts, dtype=float)
    shares = counts / counts.sum()
    shares[shares == 0] = SMOOTHING
    return shares


def divergences(ref_counts, cur_counts):
    ref, cur = proportions(ref_counts), proportions(cur_counts)
    return {
        "psi": float(np.sum((cur - ref) * np.log(cur / ref))),
        "kl": float(stats.entropy(ref, cur)),
        "js": float(distance.jensenshannon(ref, cur, base=2)),
        "reference_proportions": ref.tolist(),
        "current_proportions": cur.tolist(),
    }


def numeric(ref, cur, bins):
    ref = ref[~np.isnan(ref)]
    cur = cur[~np.isnan(cur)]
    if len(ref) == 0 or len(cur) == 0:
        return None
    ks = stats.ks_2samp(ref, cur)
    wasserstein = stats.wasserstein_distance(ref, cur)
    result = {
        "ks_statistic": float(ks.statistic),
        "ks_pvalue": float(ks.pvalue),
        "wasserstein": float(wasserstein),
        "wasserstein_norm": float(wasserstein / max(np.std(ref), 0.001)),
    }
    if len(ref) >= bins:
        edges = np.unique(np.quantile(ref, [i / bins for i in range(1, bins)]))
        ref_counts = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1)
        cur_counts = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1)
        result["edges"] = edges.tolist()
        result.update(divergences(ref_counts, cur_counts))
    return result


def categorical(ref, cur):
    ref = [v for v in ref if v is not None]
    cur = [v for v in cur if v is not None]
    if not ref or not cur:
        return None
    categories = sorted(set(ref) | set(cur))
    ref_counts = [ref.count(c) for c in categories]
    cur_counts = [cur.count(c) for c in categories]
    result = {"categories": categories, "unseen": [c for c, n in zip(categories, ref_counts) if n == 0]}
    if len(categories) > 1:
        chi2 = stats.chi2_contingency(np.array([ref_counts, cur_counts]), correction=False)
        result.update(chi2_statistic=float(chi2.statistic), chi2_pvalue=float(chi2.pvalue), chi2_dof=int(chi2.dof))
    else:
        result.update(chi2_statistic=0.0, chi2_pvalue=1.0, chi2_dof=0)
    result.update(divergences(ref_counts, cur_counts))
    return result


def column_values(table, name):
    column = table.column(name)
    if pa.types.is_string(column.type) or pa.types.is_boolean(column.type):
        return "categorical", [None if v is None else (str(v).lower() if isinstance(v, bool) else v)
                               for v in column.to_pylist()]
    return "numeric", np.array([np.nan if v is None else float(v) for v in column.to_pylist()], dtype=float)


def compare(reference_path, current_path, bins):
    reference = pq.read_table(reference_path)
    current = pq.read_table(current_path)
    columns = {}
    for name in reference.column_names:
        if name not in current.column_names:
            continue
        kind, ref = column_values(reference, name)
        _, cur = column_values(current, name)
        null = (lambda values: float(np.mean(np.isnan(values)))) if kind == "numeric" else (
            lambda values: sum(v is None for v in values) / len(values))
        entry = {"kind": kind, "reference_null_share": null(ref) if len(ref) else None,
                 "current_null_share": null(cur) if len(cur) else None}
        stats_ = numeric(ref, cur, bins) if kind == "numeric" else categorical(ref, cur)
        if stats_:
            entry.update(stats_)
        columns[name] = entry
    return columns


def make(directory, seed):
    """Pairs whose sizes reach each branch of ks_2samp's p-value and the rest of the statistics."""
    rng = np.random.default_rng(seed)
    cases = {
        # (reference size, current size, shift): exact equal sizes, exact unequal, asymptotic at
        # several effective sizes (Durbin matrix, Pelz-Good, Smirnov, Pomeranz), a strong shift.
        "exact_equal": (400, 400, 0.15),
        "exact_unequal": (900, 650, 0.1),
        "exact_small": (30, 17, 0.8),
        "asymptotic_close": (20000, 12000, 0.0),
        "asymptotic_shift": (30000, 15000, 0.05),
        "asymptotic_far": (25000, 20000, 0.6),
        "asymptotic_small_current": (15000, 90, 0.3),
        "asymptotic_tiny_current": (12000, 40, 0.9),
    }
    manifest = {}
    for name, (n_ref, n_cur, shift) in cases.items():
        for side, size, offset in (("reference", n_ref, 0.0), ("current", n_cur, shift)):
            amount = rng.lognormal(3 + offset, 1.0, size)
            amount[rng.random(size) < 0.03] = np.nan
            score = rng.normal(offset, 1.0, size).round(2)  # ties
            count = rng.poisson(3 + 5 * offset, size).astype(np.int64)
            constant = np.full(size, 7.0)
            weights = [0.5 - offset / 4, 0.3, 0.2 + offset / 4]
            channel = rng.choice(["web", "pos", "app"], size=size, p=np.array(weights) / sum(weights)).tolist()
            if side == "current" and shift > 0.5:
                channel[: max(1, size // 10)] = ["atm"] * max(1, size // 10)
            channel = [None if rng.random() < 0.02 else c for c in channel]
            flagged = (rng.random(size) < 0.1 + offset / 5).tolist()
            empty = [None] * size
            table = pa.table({
                "amount": pa.array(amount, type=pa.float64(), from_pandas=True),
                "score": pa.array(score, type=pa.float64()),
                "count": pa.array(count, type=pa.int64()),
                "constant": pa.array(constant, type=pa.float64()),
                "channel": pa.array(channel, type=pa.string()),
                "flagged": pa.array(flagged, type=pa.bool_()),
                "empty": pa.array(empty, type=pa.float64()),
            })
            pq.write_table(table, f"{directory}/{name}-{side}.parquet", data_page_version="1.0")
        manifest[name] = {"reference": f"{directory}/{name}-reference.parquet",
                          "current": f"{directory}/{name}-current.parquet"}
    return manifest


def main():
    command = sys.argv[1]
    if command == "distributions":
        cases = json.load(open(sys.argv[2]))
        print(json.dumps([{"kstwo_sf": float(stats.kstwo.sf(x, n)), "smirnov": float(special.smirnov(n, x))}
                          for n, x in cases]))
    elif command == "samples":
        cases = json.load(open(sys.argv[2]))
        out = []
        for case in cases:
            ref, cur = np.array(case["reference"]), np.array(case["current"])
            ks = stats.ks_2samp(ref, cur)
            out.append({"ks_statistic": float(ks.statistic), "ks_pvalue": float(ks.pvalue),
                        "wasserstein": float(stats.wasserstein_distance(ref, cur))})
        print(json.dumps(out))
    elif command == "compare":
        print(json.dumps(compare(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    elif command == "make":
        print(json.dumps(make(sys.argv[2], int(sys.argv[3]))))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
