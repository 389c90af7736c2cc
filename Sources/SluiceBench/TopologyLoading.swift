import SluiceCore
import SluiceTopology

enum SluiceTopologyLoading {
    static func load(_ path: String) throws -> Topology { try TopologyLoader.load(file: path) }
}
