import Foundation
import SluiceRegistry
import SluiceTraining

/// How registry commands print: `--json` as sorted, indented JSON; otherwise aligned text.
enum RegistryOutput {
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    /// Rows as columns padded to their widest cell.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in
            all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func time(_ milliseconds: Int64) -> String { TimeArgument.iso8601(milliseconds) }

    static func metrics(_ metrics: [String: Double]) -> String {
        metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\(number($0.value))" }.joined(separator: " ")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func version(_ value: Int?) -> String { value.map(String.init) ?? "-" }

    /// One line per event: sequence, time, actor, what changed and why.
    static func describe(_ event: RegistryEvent) -> String {
        let what: String
        switch event.change {
        case .versionRegistered(let version):
            what =
                "registered version \(version.version) (\(version.signature.count) inputs, sha256 \(version.artifact.sha256.prefix(12)))"
        case .aliasMoved(let move):
            let verb = move.to == nil ? "deleted" : move.from == nil ? "set" : "moved"
            what =
                "alias \(move.alias) \(verb): \(version(move.from)) -> \(version(move.to))"
                + (move.reason.isEmpty ? "" : "  \"\(move.reason)\"")
        case .approvalChanged(let change):
            what =
                "version \(change.version) \(change.from.rawValue) -> \(change.to.rawValue)"
                + (change.reason.isEmpty ? "" : "  \"\(change.reason)\"")
        case .topologyApplied(let topology):
            what = "topology \(topology.name) version \(topology.version) (\(topology.contentHash.prefix(12)))"
        case .deploymentChanged(let change):
            what =
                "deployment: \(DeployCommand.describe(change.from)) -> \(DeployCommand.describe(change.to))"
                + (change.reason.isEmpty ? "" : "  \"\(change.reason)\"")
        case .trainingStep(let step):
            what =
                "training run \(step.requestID.prefix(8)): \(step.kind.rawValue) \(step.outcome.rawValue)"
                + (step.version.map { " (version \($0))" } ?? "") + (step.detail.isEmpty ? "" : "  \"\(step.detail)\"")
        }
        return "#\(event.sequence)  \(time(event.time))  \(event.actor)  \(what)"
    }
}
