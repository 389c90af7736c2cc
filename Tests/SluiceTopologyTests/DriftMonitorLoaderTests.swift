import SluiceDrift
import Testing

@testable import SluiceTopology

@Suite("Drift monitor files")
struct DriftMonitorLoaderTests {
    @Test("every setting is read: bins, the sample limit, the defaults per kind and size, per-column overrides")
    func fullFile() throws {
        let settings = try DriftMonitorLoader.parse(
            """
            bins: 20
            small_sample_limit: 500
            numeric:
              small: {method: ks, threshold: 0.01}
              large: {method: wasserstein}
            categorical:
              large: {method: psi, threshold: 0.25}
            columns:
              amount: {method: kl, threshold: 0.3}
              count: {threshold: 0.4}
              event_id: {ignore: true}
              mcc: {kind: categorical}
            """, file: "m.yaml")
        #expect(settings.bins == 20 && settings.policy.smallSampleLimit == 500)
        #expect(settings.policy.smallNumeric == .init(method: .ks, threshold: 0.01))
        #expect(settings.policy.largeNumeric == .init(method: .wasserstein, threshold: 0.1))
        #expect(settings.policy.smallCategorical == .init(method: .chi2, threshold: 0.05))
        #expect(settings.policy.largeCategorical == .init(method: .psi, threshold: 0.25))
        #expect(settings.policy.overrides["amount"] == .init(method: .kl, threshold: 0.3))
        #expect(settings.policy.overrides["count"] == .init(threshold: 0.4))
        #expect(settings.ignoredColumns == ["event_id"] && settings.categoricalColumns == ["mcc"])
        #expect(
            settings.prepared("mcc", .numeric([5411, nil, 4111.5, .nan])) == .categorical(["5411", nil, "4111.5", nil]))
        #expect(settings.prepared("amount", .numeric([1])) == .numeric([1]))
        #expect(settings.columns(wanted: nil, reference: ["event_id", "amount"]) == ["amount"])
    }

    static let mistakeCases: [(String, String)] = [
        ("bins: 1", "m.yaml:1:7: bins must be an integer in 2...1000"),
        (
            "binz: 3",
            "m.yaml:1:1: unknown key 'binz' in the monitor file; allowed: bins, small_sample_limit, numeric, categorical, columns"
        ),
        (
            "numeric:\n  small: {method: chi2}",
            "m.yaml:2:10: numeric.small: chi2 does not apply to numeric columns; use ks, psi, kl, js, wasserstein"
        ),
        ("numeric:\n  huge: {method: ks}", "m.yaml:2:3: unknown key 'huge' in numeric; allowed: small, large"),
        (
            "categorical:\n  small: {method: chi2, threshold: 2}",
            "m.yaml:2:10: categorical.small: a p-value threshold must lie between 0 and 1, not 2.0"
        ),
        (
            "columns:\n  amount: {method: psy}",
            "m.yaml:2:20: columns.amount.method 'psy' is not a method; use ks, chi2, psi, kl, js, wasserstein"
        ),
        (
            "columns:\n  amount: {threshold: -1}",
            "m.yaml:2:11: columns.amount: the threshold must be positive, not -1.0"
        ),
        ("columns:\n  amount: {ignore: maybe}", "m.yaml:2:20: columns.amount.ignore must be true or false"),
        (
            "columns:\n  mcc: {kind: code}",
            "m.yaml:2:15: columns.mcc.kind 'code' is not a kind; use numeric or categorical"
        ),
        ("bins: [", "m.yaml:2:1: invalid YAML: while parsing a flow node did not find expected node content"),
    ]

    @Test("mistakes are reported with file:line:column, what is wrong and what is allowed", arguments: mistakeCases)
    func mistakes(text: String, expected: String) {
        #expect(throws: TopologyError.self) { try DriftMonitorLoader.parse(text, file: "m.yaml") }
        do {
            _ = try DriftMonitorLoader.parse(text, file: "m.yaml")
        } catch {
            #expect(error.issues.map(\.description).contains(expected), "\(error.issues.map(\.description))")
        }
    }
}
