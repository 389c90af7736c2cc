import ArgumentParser
import SluiceTopology
import SluiceTraining

/// What `sluice ct validate` and `sluice ct evaluate` both take: the policy, the training set,
/// the champion and the registry it is found in.
struct ContinuousTrainingStepOptions: ParsableArguments {
    @Option(help: "The policy file (models/NAME.yaml).")
    var policy: String
    @Option(help: "A training set (sluice training-set).")
    var trainingSet: String
    @Option(
        help: "The champion: NAME@ALIAS, NAME/VERSION or NAME (default: the deployed champion of the policy's model).")
    var champion: String?
    @OptionGroup var registryStore: RegistryStoreOptions

    /// The policy, or every mistake in it printed and exit 1.
    func loadPolicy() throws -> TrainingPolicy {
        do {
            return try TrainingPolicyLoader.load(file: policy)
        } catch {
            print(error.description)
            throw ExitCode(1)
        }
    }
}
