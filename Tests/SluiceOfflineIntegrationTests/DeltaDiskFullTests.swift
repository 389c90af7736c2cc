import Foundation
import SluiceDelta
import SluiceOffline
import SluiceTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A full disk under a commit and under a checkpoint, on a real 1 MiB tmpfs (which needs root to
/// mount: the suite says so and is skipped where it cannot mount one).
@Suite(
    "Delta table on a full disk", .timeLimit(.minutes(2)),
    .enabled(if: SmallDisk.canMount, "mounting a 1 MiB tmpfs needs root (and a kernel that allows it)"))
struct DeltaDiskFullTests {
    @Test("a commit on a full disk fails and leaves the previous version and the log folder as they were")
    func fullDisk() throws {
        let disk = try SmallDisk()
        defer { disk.unmount() }
        let table = DeltaTable(path: disk.path + "/fraud")
        try table.create(
            metadata: DeltaMetadata(
                id: "9f0c4a7e-disk-full", schema: DeltaTableTests.schema, partitionColumns: ["date"], name: "fraud"),
            now: 1_796_000_000_000)
        let big = String(repeating: "x", count: 4_000)
        func add(_ index: Int) -> DeltaAction {
            .add(
                DeltaAddFile(
                    path: "date=2026-12-01/part-\(index).parquet", partitionValues: ["date": "2026-12-01"], size: 1,
                    modificationTime: 1, dataChange: true, stats: "{\"numRecords\":1,\"note\":\"\(big)\"}"))
        }
        var snapshot = DeltaSnapshot()
        for index in 1...9 { _ = try table.commitNext(updating: &snapshot) { _ in [add(index)] } }
        let logBefore = try FileManager.default.contentsOfDirectory(atPath: table.logPath).sorted()

        try disk.fill()
        let error = #expect(throws: DeltaLogError.self) {
            try table.commitNext(updating: &snapshot) { _ in [add(10)] }
        }
        #expect(error?.message.contains("No space left on device") == true, "\(error?.message ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: table.logPath).sorted() == logBefore)
        #expect(try table.snapshot().version == 9 && table.snapshot().files.count == 9)

        // Room for the commit but not its checkpoint: the commit lands, the checkpoint fails and
        // leaves nothing, and the table reads on.
        disk.free(bytes: 16_000)
        _ = try table.commitNext(updating: &snapshot) { _ in [add(10)] }
        #expect(snapshot.version == 10)
        #expect(throws: DeltaLogError.self) { try table.writeCheckpoint(snapshot, now: 1_796_000_000_000) }
        let names = try FileManager.default.contentsOfDirectory(atPath: table.logPath)
        #expect(!names.contains { $0.contains("checkpoint") || $0.hasSuffix(".tmp") }, "\(names)")
        #expect(try table.snapshot().files.count == 10)

        disk.emptyFiller()
        _ = try table.commitNext(updating: &snapshot) { _ in [add(11)] }
        try table.writeCheckpoint(snapshot, now: 1_796_000_000_000)
        #expect(try table.snapshot().files.count == 11)
    }
}

/// A 1 MiB tmpfs mounted on a temporary folder, and a filler file that takes its free space.
struct SmallDisk {
    let path: String
    var filler: String { path + "/filler" }

    static let canMount: Bool = {
        guard getuid() == 0, let disk = try? SmallDisk() else { return false }
        disk.unmount()
        return true
    }()

    init() throws {
        path = NSTemporaryDirectory() + "/" + TestServices.uniqueName("small-disk")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard mount("tmpfs", path, "tmpfs", 0, "size=1m") == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: path)
            throw TestFailure("cannot mount a tmpfs on \(path): \(reason)")
        }
    }

    /// Writes the filler until the disk is full. Close-on-exec: a process another test spawns
    /// meanwhile must not inherit the descriptor, or the filler's space outlives its unlink.
    func fill() throws {
        let descriptor = open(filler, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw TestFailure("cannot create \(filler)") }
        defer { close(descriptor) }
        let block = [UInt8](repeating: 0, count: 4096)
        while block.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        _ = block.withUnsafeBytes { write(descriptor, $0.baseAddress, 1) }
    }

    /// Gives back `bytes` of the filler.
    func free(bytes: Int) {
        let size = (try? FileManager.default.attributesOfItem(atPath: filler)[.size] as? Int) ?? 0
        _ = truncate(filler, off_t(max(0, size - bytes)))
    }

    func emptyFiller() { unlink(filler) }

    /// Detaches the tmpfs even while something still holds a file in it (it goes away once
    /// released), so a failed test never leaves a mount behind.
    func unmount() {
        umount2(path, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(atPath: path)
    }
}
