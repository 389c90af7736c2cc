import ArgumentParser
import Sluice
import SluiceCore
import SluiceTopology

struct TopologyOption: ParsableArguments {
    @Option(name: .long, help: "Topology file. (default: topologies/fraud.yaml)")
    var topology: String = "topologies/fraud.yaml"

    func load() throws -> CompiledTopology {
        do {
            return CompiledTopology(try TopologyLoader.load(file: topology))
        } catch {
            throw ValidationError("invalid topology:\n\(error)")
        }
    }
}
