import ArgumentParser
import SluiceCore
import SluiceTopology
import SluiceTraining

/// `sluice ct`: continuous training (docs/continuous-training.md).
struct ContinuousTrainingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ct",
        abstract:
            "Continuous training: check policies, ask for a run, run the pipeline, validate a training set, judge a candidate.",
        subcommands: [
            ContinuousTrainingCheckCommand.self, ContinuousTrainingTriggerCommand.self,
            ContinuousTrainingValidateCommand.self, ContinuousTrainingEvaluateCommand.self,
            ContinuousTrainingRunCommand.self,
        ])
}

struct ContinuousTrainingCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Check continuous-training policy files (models/NAME.yaml) and report every mistake as file:line:column.")

    @Argument(help: "Policy files to check.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            do {
                let policy = try TrainingPolicyLoader.load(file: file)
                print("\(file): ok (\(Self.summary(policy)))")
            } catch {
                failed = true
                print(error.description)
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// The policy in one line: model, triggers, gate, approval and rollout.
    static func summary(_ policy: TrainingPolicy) -> String {
        let triggers = policy.triggers
        var fired: [String] = []
        if let drift = triggers.dataDrift {
            fired.append("data drift in \(drift.columns) columns for \(drift.windows) windows")
        }
        if let decay = triggers.decay {
            fired.append("\(decay.metric.rawValue) decay beyond \(decay.margin) on \(decay.minimumLabeled)+ labels")
        }
        if let every = triggers.every { fired.append("every \(DurationText.format(every))") }
        if let labels = triggers.newLabels { fired.append("\(labels) new labels") }
        let gate = policy.gate.map { rule in
            [
                rule.minimum.map { "\(rule.metric.rawValue) >= \($0)" },
                rule.maximumDrop.map { "\(rule.metric.rawValue) drop <= \($0)" },
            ]
            .compactMap { $0 }.joined(separator: ", ")
        }
        let canary = policy.rollout.canary.map { "\($0.percent)%" }.joined(separator: " → ")
        return
            "model '\(policy.model)'; triggers: \(fired.joined(separator: "; ")); cool-down \(DurationText.format(policy.cooldown)); gate: \(gate.joined(separator: ", ")); approval \(policy.approval.rawValue); rollout: shadow \(DurationText.format(policy.rollout.shadow)), canary \(canary)"
    }
}
