import Crypto
import Foundation
import SluiceCore

/// A folder of model artifacts named by the SHA-256 of their bytes (default `.sluice/artifacts`).
/// A file enters under a temporary name and is renamed into place only once written and synced,
/// so a name always holds a complete artifact; loading checks the bytes against the name.
///
/// Artifacts are shared across the processes that use one registry; with PostgreSQL across
/// machines, point every machine at the same folder (a shared mount) or copy it with the store.
public struct ArtifactStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Stores `bytes` (a no-op when they are already there) and returns their reference.
    public func put(data bytes: Data, originalName: String) throws(RegistryError) -> ArtifactReference {
        let hash = Self.sha256(bytes)
        let target = path(of: hash)
        let reference = ArtifactReference(sha256: hash, bytes: Int64(bytes.count), originalName: originalName)
        if FileManager.default.fileExists(atPath: target), (try? load(reference)) != nil { return reference }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let temporary = target + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            guard FileManager.default.createFile(atPath: temporary, contents: bytes) else {
                throw RegistryError(.fileSystem, "could not write \(temporary)")
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, target) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw RegistryError(.fileSystem, "could not move the artifact into \(target): \(reason)")
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.fileSystem, "could not store the artifact in \(directory): \(error)")
        }
        return reference
    }

    /// The artifact's bytes, checked against its hash.
    public func load(_ reference: ArtifactReference) throws(RegistryError) -> Data {
        let bytes = try Self.read(path(of: reference.sha256), what: "stored artifact")
        let actual = Self.sha256(bytes)
        guard actual == reference.sha256 else {
            throw RegistryError(
                .invalidArtifact,
                "the stored artifact \(path(of: reference.sha256)) has SHA-256 \(actual), not its name's: "
                    + "it was changed on disk; restore it from a backup")
        }
        return bytes
    }

    public func path(of sha256: String) -> String { (directory as NSString).appendingPathComponent(sha256) }

    // MARK: - Helpers

    public static func sha256(_ bytes: Data) -> String { hex(SHA256.hash(data: bytes)) }

    /// Hashes a file in 1 MiB pieces.
    public static func sha256(file: String) throws(RegistryError) -> (sha256: String, bytes: Int64) {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw RegistryError(.fileSystem, "cannot read \(file): \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var total: Int64 = 0
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
                total += Int64(chunk.count)
            }
        } catch {
            throw RegistryError(.fileSystem, "cannot read \(file): \(error)")
        }
        return (hex(hasher.finalize()), total)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func read(_ path: String, what: String) throws(RegistryError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "it is not readable" : "it does not exist"
            throw RegistryError(.invalidArtifact, "cannot read the \(what) \(path): \(reason)")
        }
        return data
    }
}
