import SluiceModel
import SluiceTesting
import Testing

@Suite("Deployment routing")
struct DeploymentRouterTests {
    static let keys = (0..<20_000).map { "card-\($0)" }

    static func deployment(canary: Double? = nil, arms: [Deployment.Arm] = [], salt: String = "s1") -> Deployment {
        Deployment(
            model: "m", champion: 1, canary: canary.map { Deployment.Canary(version: 2, percent: $0) }, arms: arms,
            shadows: [3], routingKey: "card_id", salt: salt)
    }

    @Test(
        "A canary's share of 20,000 keys is within 1.5 points of its weight", arguments: [1.0, 5.0, 10.0, 33.3, 50.0])
    func canaryShare(weight: Double) {
        let router = DeploymentRouter(Self.deployment(canary: weight))
        let share =
            Double(Self.keys.filter { router.route(key: $0).variant == "canary" }.count) / Double(Self.keys.count)
        #expect(abs(share * 100 - weight) <= 1.5, "canary at \(weight)% took \(share * 100)%")
    }

    @Test("Routing is sticky, and raising the canary's weight only moves keys to it")
    func stickyAndMonotonic() {
        let five = DeploymentRouter(Self.deployment(canary: 5))
        let again = DeploymentRouter(Self.deployment(canary: 5))
        let twenty = DeploymentRouter(Self.deployment(canary: 20))
        var moved = 0
        for key in Self.keys {
            let before = five.route(key: key)
            #expect(again.route(key: key) == before)
            let after = twenty.route(key: key)
            if before.variant == "canary" { #expect(after.variant == "canary", "\(key) left the canary") }
            if before != after { moved += 1 }
        }
        #expect(moved > 0)
        let reshuffled = DeploymentRouter(Self.deployment(canary: 5, salt: "s2"))
        #expect(Self.keys.contains { reshuffled.route(key: $0) != five.route(key: $0) }, "a new salt reassigns keys")
    }

    @Test("A/B arms take their shares in order; no key routes the champion when arms cover all buckets")
    func arms() {
        let arms = [
            Deployment.Arm(name: "a", version: 4, percent: 30), Deployment.Arm(name: "b", version: 5, percent: 70),
        ]
        let router = DeploymentRouter(Self.deployment(arms: arms))
        var counts: [String: Int] = [:]
        for key in Self.keys { counts[router.route(key: key).variant, default: 0] += 1 }
        #expect(counts["champion"] == nil)
        #expect(abs(Double(counts["a"] ?? 0) / 200 - 30) <= 1.5 && abs(Double(counts["b"] ?? 0) / 200 - 70) <= 1.5)
        #expect(router.route(key: nil) == DeploymentRouter.Route(version: 1, variant: "champion"))
    }

    @Test("Ill-formed deployments say why")
    func problems() {
        #expect(Self.deployment(canary: 0).problem?.contains("above 0 and below 100") == true)
        #expect(
            Self.deployment(arms: [
                .init(name: "a", version: 4, percent: 60), .init(name: "b", version: 5, percent: 30),
            ])
            .problem?.contains("add up to 90.0%") == true)
        var shadowing = Self.deployment(canary: 5)
        shadowing.shadows = [2]
        #expect(shadowing.problem?.contains("shadow version also answers") == true)
        #expect(Self.deployment(canary: 5).problem == nil)
    }

    @Test("Buckets are the documented hash, computed again in Python: FNV-1a then SplitMix64, modulo 10,000")
    func documentedBuckets() async throws {
        let keys = ["card-1", "card-42", "ünïcode-card", "", "m-7"]
        let expected = try await PythonTools.runJSON("routing_bucket.py", ["salt-9"] + keys, as: [String: Int].self)
        for key in keys {
            #expect(DeploymentRouter.bucket(salt: "salt-9", key: key) == expected[key], "\(key)")
        }
    }
}
