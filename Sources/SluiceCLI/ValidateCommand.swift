import ArgumentParser
import SluiceCore
import SluiceTopology

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a topology file and report every mistake as file:line:column.")

    @Argument(help: "Topology files to check.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            do {
                let topology = try TopologyLoader.load(file: file)
                let features = topology.views.reduce(0) { $0 + $1.features.count }
                print(
                    "\(file): ok (topology '\(topology.name)': \(topology.views.count) views, \(features) features, source topic '\(topology.source.topic)')"
                )
            } catch {
                failed = true
                print(error.description)
            }
        }
        if failed { throw ExitCode(1) }
    }
}
