"""Checks the Grafana dashboards and the alert rules against what Sluice exports.

- every dashboard is JSON with a unique uid, unique panel ids and a grid position per panel;
- every panel and query uses the provisioned Prometheus data source (by its uid);
- every query is PromQL that promtool parses;
- every metric a query or an alert rule names is one Sluice's sources export (histograms with
  their _bucket, _sum and _count series);
- every alert rule has a unit test in which it fires.
Exits 1 naming each problem.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
problems = []

datasources = yaml.safe_load(open(os.path.join(ROOT, "deploy/grafana/provisioning/datasources/prometheus.yml")))
uids = {source["uid"] for source in datasources["datasources"]}

exported = set()
for path in glob.glob(os.path.join(ROOT, "Sources", "**", "*.swift"), recursive=True):
    exported |= set(re.findall(r'"(sluice_[a-z0-9_]+)"', open(path, encoding="utf-8").read()))


def metric_names(expr):
    names = set(re.findall(r"\b(sluice_[a-z0-9_]+)", expr))
    return {re.sub(r"_(bucket|sum|count)$", "", name) if name not in exported else name for name in names}


def check_metrics(where, expr):
    for name in sorted(metric_names(expr) - exported):
        problems.append(f"{where}: {name} is not a metric Sluice exports")


queries = []
seen_uids = {}
for path in sorted(glob.glob(os.path.join(ROOT, "deploy/grafana/dashboards/*.json"))):
    name = os.path.relpath(path, ROOT)
    try:
        dashboard = json.load(open(path))
    except json.JSONDecodeError as error:
        problems.append(f"{name}: not JSON: {error}")
        continue
    if dashboard.get("uid") in seen_uids:
        problems.append(f"{name}: uid {dashboard.get('uid')} is also {seen_uids[dashboard['uid']]}'s")
    seen_uids[dashboard.get("uid")] = name
    ids = [panel.get("id") for panel in dashboard.get("panels", [])]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{name}: panel id {duplicate} is used twice")
    if not ids:
        problems.append(f"{name}: no panels")
    for panel in dashboard.get("panels", []):
        where = f"{name} panel {panel.get('id')} ({panel.get('title')})"
        if "gridPos" not in panel:
            problems.append(f"{where}: no gridPos")
        sources = [panel.get("datasource")] + [target.get("datasource") for target in panel.get("targets", [])]
        for source in sources:
            if not isinstance(source, dict) or source.get("uid") not in uids:
                problems.append(f"{where}: data source {source} is not the provisioned one ({', '.join(uids)})")
        if not panel.get("targets"):
            problems.append(f"{where}: no query")
        for target in panel.get("targets", []):
            expr = target.get("expr", "")
            queries.append((where, expr))
            check_metrics(where, expr)

# promtool parses each query as the expression of a recording rule.
with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as rules:
    yaml.safe_dump({"groups": [{"name": "dashboards", "rules": [
        {"record": f"dashboard:query_{index}", "expr": expr} for index, (_, expr) in enumerate(queries)]}]}, rules)
result = subprocess.run(["promtool", "check", "rules", rules.name], capture_output=True, text=True)
os.unlink(rules.name)
if result.returncode != 0:
    problems.append("a dashboard query is not PromQL:\n" + result.stdout + result.stderr)

alerts = yaml.safe_load(open(os.path.join(ROOT, "deploy/prometheus/alerts.yml")))
tests = yaml.safe_load(open(os.path.join(ROOT, "deploy/prometheus/alerts_test.yml")))
fired = {case["alertname"] for test in tests["tests"] for case in test.get("alert_rule_test", [])
         if case.get("exp_alerts")}
rules_count = 0
for group in alerts["groups"]:
    for rule in group["rules"]:
        rules_count += 1
        check_metrics(f"alert {rule['alert']}", rule["expr"])
        if rule["alert"] not in fired:
            problems.append(f"alert {rule['alert']} has no unit test in which it fires")

for problem in problems:
    print(f"check_dashboards: {problem}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"deploy/grafana: {len(seen_uids)} dashboards, {len(queries)} queries; {rules_count} alert rules, each tested "
      f"firing; every metric named is one Sluice exports")
