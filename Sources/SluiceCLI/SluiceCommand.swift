import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceRuntime

@main
struct SluiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A streaming real-time feature engine for fraud detection.",
        version: SluiceVersion.current,
        subcommands: [
            RunCommand.self, ServeCommand.self, ReplayCommand.self, VerifySkewCommand.self, TrainingSetCommand.self,
            GetCommand.self, ModelsCommand.self, FeaturesCommand.self, RegistryCommand.self, DeployCommand.self,
            ScoreCommand.self, OutcomesCommand.self, ExperimentCommand.self, ProduceDemoCommand.self,
            DriftCommand.self, OfflineCommand.self, ValidateCommand.self,
            ContinuousTrainingCommand.self, DoctorCommand.self,
        ]
    )
}
