"""ROC-AUC by scipy, as the reference for Sluice's: the Mann-Whitney U statistic of the positives'
scores against the negatives', over n1 * n0 (ties count one half). Input: a JSON file
{"scores": [...], "labels": [0|1, ...]}. Prints {"auc": ...}.
"""
import json
import sys

from scipy.stats import mannwhitneyu


def main():
    data = json.load(open(sys.argv[1]))
    positives = [s for s, l in zip(data["scores"], data["labels"]) if l]
    negatives = [s for s, l in zip(data["scores"], data["labels"]) if not l]
    u = mannwhitneyu(positives, negatives, alternative="two-sided").statistic
    print(json.dumps({"auc": float(u) / (len(positives) * len(negatives))}))


if __name__ == "__main__":
    main()
