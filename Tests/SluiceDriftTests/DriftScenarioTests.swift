import Foundation
import SluiceCore
import SluiceDemo
import Testing

@testable import SluiceDrift

@Suite("The demo's drift scenario through the monitor's windows")
struct DriftScenarioTests {
    struct Payment {
        var time: Int64
        var card: String
        var id: String
        var amount: Double
        var mcc: Double
        var country: String
        var channel: String
    }

    static let hour: Int64 = 3_600_000
    static let start: Int64 = 1_789_999_200_000  // a whole hour, so that windows start at start + k h

    static func payments(events: Int, hours: Int64, dataDriftAt: Int64?) throws -> [Payment] {
        var options = DemoGenerator.Options(events: events, startTime: start, span: hours * hour)
        options.seed = 42
        options.cards = 5_000
        options.dataDriftAt = dataDriftAt
        var generator = DemoGenerator(options)
        var payments: [Payment] = []
        while let record = generator.next() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any])
            payments.append(
                Payment(
                    time: record.eventTime, card: record.key, id: object["txn_id"] as? String ?? "",
                    amount: object["amount"] as? Double ?? .nan, mcc: (object["mcc"] as? Double) ?? .nan,
                    country: object["country"] as? String ?? "", channel: object["channel"] as? String ?? ""))
        }
        return payments
    }

    /// Per closed window (by start), whether each column drifted against a reference of the
    /// first `referenceHours`, through the streaming state with 1 h windows and 2 min lateness.
    static func windows(_ payments: [Payment], referenceHours: Int64) -> [Int64: [String: Bool]] {
        let cutoff = start + referenceHours * hour
        let training = payments.filter { $0.time < cutoff }
        let reference = DriftReference(
            columns: [
                ("amount", .numeric(training.map(\.amount))), ("mcc", .numeric(training.map(\.mcc))),
                ("country", .categorical(training.map(\.country))), ("channel", .categorical(training.map(\.channel))),
            ], bins: 10)
        var clock = TumblingWindowClock<Int32>(size: hour, allowedLateness: 120_000)
        for partition in Int32(0)..<4 { clock.assign(partition) }
        var open: [Int64: [ColumnWindowState]] = [:]
        var verdicts: [Int64: [String: Bool]] = [:]
        func closeWindows() {
            guard let boundary = clock.close(now: 0).first?.progress else { return }
            for windowStart in open.keys.sorted() where windowStart < boundary {
                let states = open.removeValue(forKey: windowStart)!
                var drifted: [String: Bool] = [:]
                for (column, state) in zip(reference.columns, states) {
                    let comparison = ColumnComparison.window(reference: column, state: state, policy: DriftPolicy())
                    drifted[column.name] = comparison.decision?.drifted ?? false

                }
                verdicts[windowStart] = drifted
            }
        }
        for payment in payments where payment.time >= cutoff {
            let partition = Int32(StableHash.hash(payment.card) % 4)
            guard case .window(let windowStart) = clock.place(payment.time, partition: partition) else { continue }
            var states = open[windowStart] ?? reference.columns.map { $0.emptyState() }
            let key = StableHash.hash(payment.id)
            states[0].add(payment.amount, key: key)
            states[1].add(payment.mcc, key: key)
            states[2].add(category: payment.country)
            states[3].add(category: payment.channel)
            open[windowStart] = states
            closeWindows()
        }
        return verdicts
    }

    @Test("drift is flagged in the first full window after --drift-at, and never in 24 windows before it")
    func dataDriftDetected() throws {
        let shiftAt = Self.start + 30 * Self.hour
        let verdicts = Self.windows(
            try Self.payments(events: 76_000, hours: 38, dataDriftAt: shiftAt), referenceHours: 6)
        let before = (6..<30).map { Self.start + Int64($0) * Self.hour }
        let alarms = before.filter { verdicts[$0]?.values.contains(true) ?? false }
        #expect(before.allSatisfy { verdicts[$0] != nil }, "every window before the shift closed")
        print(
            "drift scenario: false alarms in \(alarms.count) of \(before.count) unshifted windows (rate \(Double(alarms.count) / Double(before.count)))"
        )
        #expect(alarms.isEmpty)
        let first = try #require(verdicts[shiftAt], "the first window after the shift closed")
        #expect(first["amount"] == true && first["channel"] == true && first["country"] == true, "\(first)")
        #expect(first["mcc"] == false, "the merchant mix does not shift")
    }
}
