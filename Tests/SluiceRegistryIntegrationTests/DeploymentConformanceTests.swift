import Foundation
import SluiceCore
import SluiceModel
import SluiceRegistry
import Testing

/// Deployments as registry events, on every backend.
@Suite("Deployment conformance")
struct DeploymentConformanceTests {
    static func deployment(champion: Int, canary: Int? = nil, shadows: [Int] = []) -> Deployment {
        Deployment(
            model: "fraud-model", champion: champion,
            canary: canary.map { Deployment.Canary(version: $0, percent: 10) },
            shadows: shadows, routingKey: "card_id", salt: "s")
    }

    @Test(
        "Deploy, change, roll back and undeploy; what served at any past time has an answer",
        arguments: RegistryBackend.allCases)
    func lifecycle(backend: RegistryBackend) async throws {
        let clock = ManualClock(1_000)
        try await backend.withRegistry(clock: clock) { registry in
            _ = try await registry.apply(try RegistryFixtures.fraudTopology(), actor: "ana")
            for _ in 1...3 { _ = try await registry.register(RegistryFixtures.draft(), actor: "ana") }
            let refused = await #expect(throws: RegistryError.self) {
                try await registry.deploy(Self.deployment(champion: 1), actor: "ana")
            }
            #expect(refused?.code == .refused && refused?.message.contains("is not approved") == true)
            for version in 1...2 {
                try await registry.setApproval("fraud-model", version, to: .approved, actor: "lead")
            }

            clock.set(2_000)
            try await registry.deploy(Self.deployment(champion: 1, shadows: [3]), reason: "first", actor: "ana")
            clock.set(3_000)
            let change = try await registry.deploy(Self.deployment(champion: 1, canary: 2), actor: "ana")
            #expect(change.from?.shadows == [3] && change.to?.canary?.version == 2)
            clock.set(4_000)
            let back = try await registry.rollback("fraud-model", actor: "ana")
            #expect(back.to == Self.deployment(champion: 1, shadows: [3]) && back.reason == "rollback")
            #expect(try await registry.deployment("fraud-model") == Self.deployment(champion: 1, shadows: [3]))
            #expect(try await registry.deployment("fraud-model", at: 1_999) == nil)
            #expect(try await registry.deployment("fraud-model", at: 3_500)?.canary?.version == 2)
            #expect(try await registry.deployment("fraud-model", at: 4_000)?.canary == nil)
            #expect(try await registry.deployments().map(\.model) == ["fraud-model"])

            let unknown = await #expect(throws: RegistryError.self) {
                try await registry.deploy(Self.deployment(champion: 1, canary: 9), actor: "ana")
            }
            #expect(unknown?.message == "model fraud-model has no version 9")
            try await registry.setApproval("fraud-model", 3, to: .rejected, actor: "lead")
            let rejectedShadow = await #expect(throws: RegistryError.self) {
                try await registry.deploy(Self.deployment(champion: 1, shadows: [3]), actor: "ana")
            }
            #expect(rejectedShadow?.message.contains("rejected and cannot shadow") == true)

            clock.set(5_000)
            try await registry.undeploy("fraud-model", actor: "ana")
            #expect(try await registry.deployment("fraud-model") == nil)
            #expect(try await registry.deployment("fraud-model", at: 4_500) != nil)
            let types = try await registry.history("fraud-model").map(\.change.type).filter {
                $0 == "deployment_changed"
            }
            #expect(types.count == 4)
        }
    }
}
