import Foundation
import Sluice
import SluiceRuntime
import SluiceTesting
import Testing

@Suite("Connection settings and sluice doctor", .timeLimit(.minutes(3)))
struct DoctorTests {
    @Test("flags win over the environment, which wins over the defaults")
    func precedence() {
        let environment = ["SLUICE_BROKERS": "env:9092", "SLUICE_REDIS_URL": "redis://env:6379/1"]
        #expect(
            ConnectionSettings.resolve(brokers: "flag:9092", redisURL: nil, environment: environment)
                == ConnectionSettings(brokers: "flag:9092", redisURL: "redis://env:6379/1"))
        #expect(
            ConnectionSettings.resolve(brokers: nil, redisURL: nil, environment: [:])
                == ConnectionSettings(brokers: "127.0.0.1:9092", redisURL: "redis://127.0.0.1:6379/0"))
        #expect(
            ConnectionSettings.resolve(brokers: "", redisURL: "redis://flag:1/2", environment: environment)
                == ConnectionSettings(brokers: "env:9092", redisURL: "redis://flag:1/2"))
    }

    @Test("the local stack passes every check")
    func stackPasses() async {
        let report = await Doctor.run(
            settings: ConnectionSettings(brokers: TestServices.brokers, redisURL: TestServices.redisURL))
        #expect(report.passed, "\(report.checks.filter { !$0.passed })")
        #expect(report.checks.map(\.name).prefix(3) == ["sluice", "librdkafka", "hiredis"])
    }

    @Test("`sluice doctor` prints versions and exits 1 naming what does not answer")
    func cliReportsFailures() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        let healthy = try await TestProcess.run(
            sluice, ["doctor"],
            environment: ["SLUICE_BROKERS": TestServices.brokers, "SLUICE_REDIS_URL": TestServices.redisURL])
        #expect(healthy.status == 0, "\(healthy.output)")
        #expect(healthy.output.contains("librdkafka"))
        #expect(healthy.output.contains("hiredis"))

        let broken = try await TestProcess.run(
            sluice,
            ["doctor", "--brokers", "127.0.0.1:\(TestServices.closedPort)", "--timeout", "1"],
            environment: ["SLUICE_REDIS_URL": "redis://127.0.0.1:\(TestServices.closedPort)/0"])
        #expect(broken.status == 1)
        #expect(broken.output.contains("FAIL kafka 127.0.0.1:\(TestServices.closedPort)"))
        #expect(broken.output.contains("FAIL redis redis://127.0.0.1:\(TestServices.closedPort)/0"))

        let version = try await TestProcess.run(sluice, ["--version"])
        #expect(version.output.trimmingCharacters(in: .whitespacesAndNewlines) == SluiceVersion.current)
    }

    @Test("--kafka-property reaches librdkafka, and a malformed one is refused")
    func kafkaProperties() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        let environment = ["SLUICE_BROKERS": TestServices.brokers, "SLUICE_REDIS_URL": TestServices.redisURL]
        let applied = try await TestProcess.run(
            sluice, ["doctor", "--kafka-property", "client.id=doctor-test"], environment: environment)
        #expect(applied.status == 0, "\(applied.output)")
        // librdkafka itself rejects an unknown property: proof that the value reached it.
        let unknown = try await TestProcess.run(
            sluice, ["doctor", "--kafka-property", "no.such.property=1"], environment: environment)
        #expect(unknown.status != 0 && unknown.output.contains("no.such.property"), "\(unknown.output)")
        let malformed = try await TestProcess.run(
            sluice, ["doctor", "--kafka-property", "fetch.wait.max.ms"], environment: environment)
        #expect(malformed.status != 0 && malformed.output.contains("KEY=VALUE"), "\(malformed.output)")
    }
}
