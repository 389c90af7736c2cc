import SluiceDrift
import Yams

/// Reads drift monitor files (docs/drift.md, "Monitor file"), reporting every mistake with its
/// file, line and column like topology files.
public enum DriftMonitorLoader {
    public static func load(file path: String) throws(TopologyError) -> DriftMonitorSettings {
        try parse(try YAMLReader.text(ofFile: path), file: path)
    }

    public static func parse(_ text: String, file: String = "<monitor>") throws(TopologyError) -> DriftMonitorSettings {
        try YAMLReader.read(text, file: file) { reader, root in reader.driftMonitor(root) }
    }
}

extension YAMLReader {
    mutating func driftMonitor(_ root: Node) -> DriftMonitorSettings {
        var settings = DriftMonitorSettings()
        let allowed = ["bins", "small_sample_limit", "numeric", "categorical", "columns"]
        for (key, _, value) in entries(root, "the monitor file", allowed: allowed) {
            switch key {
            case "bins":
                settings.bins = integer(value, "bins", range: 2...1_000) ?? settings.bins
            case "small_sample_limit":
                settings.policy.smallSampleLimit =
                    integer(value, "small_sample_limit", range: 0...Int(Int32.max)) ?? settings.policy.smallSampleLimit
            case "numeric", "categorical":
                let kind: ColumnKind = key == "numeric" ? .numeric : .categorical
                for (size, _, ruleNode) in entries(value, key, allowed: ["small", "large"]) {
                    guard let rule = driftRule(ruleNode, "\(key).\(size)", kind: kind) else { continue }
                    switch (kind, size) {
                    case (.numeric, "small"): settings.policy.smallNumeric = rule
                    case (.numeric, _): settings.policy.largeNumeric = rule
                    case (.categorical, "small"): settings.policy.smallCategorical = rule
                    case (.categorical, _): settings.policy.largeCategorical = rule
                    }
                }
            default:
                for (column, _, columnNode) in entries(value, "columns") {
                    let what = "columns.\(column)"
                    var override = DriftPolicy.Override()
                    let allowed = ["method", "threshold", "ignore", "kind"]
                    for (field, _, fieldNode) in entries(columnNode, what, allowed: allowed) {
                        switch field {
                        case "method": override.method = driftMethod(fieldNode, "\(what).method")
                        case "threshold": override.threshold = number(fieldNode, "\(what).threshold")
                        case "kind":
                            guard let text = string(fieldNode, "\(what).kind") else { break }
                            switch text {
                            case "categorical": settings.categoricalColumns.insert(column)
                            case "numeric": break
                            default: fail(fieldNode, "\(what).kind '\(text)' is not a kind; use numeric or categorical")
                            }
                        default:
                            if bool(fieldNode, "\(what).ignore") == true { settings.ignoredColumns.insert(column) }
                        }
                    }
                    if let threshold = override.threshold {
                        checkThreshold(threshold, method: override.method, node: columnNode, what)
                    }
                    if override.method != nil || override.threshold != nil {
                        settings.policy.overrides[column] = override
                    }
                }
            }
        }
        return settings
    }

    private mutating func driftRule(_ node: Node, _ what: String, kind: ColumnKind) -> DriftPolicy.Rule? {
        var method: DriftMethod?
        var threshold: Double?
        let fields = entries(node, what, allowed: ["method", "threshold"])
        for (field, _, value) in fields {
            if field == "method" { method = driftMethod(value, "\(what).method") }
            if field == "threshold" { threshold = number(value, "\(what).threshold") }
        }
        guard let method else {
            // A method that is there but wrong has been reported already.
            if !fields.contains(where: { $0.key == "method" }) { fail(node, "\(what) needs a method") }
            return nil
        }
        guard method.applies(to: kind) else {
            let allowed = DriftMethod.allCases.filter { $0.applies(to: kind) }.map(\.rawValue)
            fail(
                node,
                "\(what): \(method.rawValue) does not apply to \(kind.rawValue) columns; use \(allowed.joined(separator: ", "))"
            )
            return nil
        }
        let chosen = threshold ?? DriftPolicy.defaultThreshold(method)
        guard checkThreshold(chosen, method: method, node: node, what) else { return nil }
        return DriftPolicy.Rule(method: method, threshold: chosen)
    }

    private mutating func driftMethod(_ node: Node, _ what: String) -> DriftMethod? {
        guard let text = string(node, what) else { return nil }
        guard let method = DriftMethod(rawValue: text) else {
            fail(
                node,
                "\(what) '\(text)' is not a method; use \(DriftMethod.allCases.map(\.rawValue).joined(separator: ", "))"
            )
            return nil
        }
        return method
    }

    /// p-value thresholds lie in (0, 1); distance thresholds are positive.
    @discardableResult
    private mutating func checkThreshold(_ threshold: Double, method: DriftMethod?, node: Node, _ what: String) -> Bool
    {
        if method?.isPValue == true && !(threshold > 0 && threshold < 1) {
            fail(node, "\(what): a p-value threshold must lie between 0 and 1, not \(threshold)")
            return false
        }
        if threshold <= 0 {
            fail(node, "\(what): the threshold must be positive, not \(threshold)")
            return false
        }
        return true
    }
}
