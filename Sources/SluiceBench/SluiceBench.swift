import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceDemo
import SluiceKafka
import SluiceOnlineStore
import SluiceRedis
import SluiceTopology

/// Measuring tools the benchmark scripts (scripts/bench-*) drive. Not part of the product CLI.
@main
struct SluiceBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice-bench",
        abstract: "Measurement helpers for scripts/bench-*.",
        subcommands: [
            ConsumeCommand.self, FreshnessCommand.self, CoreCommand.self, ReadCommand.self, AliasRaceCommand.self,
            RegistryCommand.self, ModelCommand.self, DeltaCommand.self,
        ])
}
