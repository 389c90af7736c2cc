"""Times Evidently's DataDriftPreset on two Parquet files, reading included; prints
`seconds=S drifted=N columns=M` on its last line.

  drift_bench_evidently.py REFERENCE.parquet CURRENT.parquet
"""
import sys
import time

import pandas as pd


def run(reference_path, current_path):
    started = time.perf_counter()
    reference = pd.read_parquet(reference_path)
    current = pd.read_parquet(current_path)
    try:  # Evidently 0.7 and later
        from evidently import Report
        from evidently.presets import DataDriftPreset

        result = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference)
        summary = result.dict()
        seconds = time.perf_counter() - started
        drifted = None
        for metric in summary.get("metrics", []):
            value = metric.get("value")
            if str(metric.get("metric_name", "")).startswith("DriftedColumnsCount") and isinstance(value, dict):
                drifted = int(value["count"])
    except ImportError:  # Evidently 0.4 to 0.6
        from evidently.metric_preset import DataDriftPreset
        from evidently.report import Report

        report = Report(metrics=[DataDriftPreset()])
        report.run(reference_data=reference, current_data=current)
        summary = report.as_dict()
        seconds = time.perf_counter() - started
        drifted = summary["metrics"][0]["result"]["number_of_drifted_columns"]
    print(f"seconds={seconds:.3f} drifted={drifted} columns={reference.shape[1]}")


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2])
