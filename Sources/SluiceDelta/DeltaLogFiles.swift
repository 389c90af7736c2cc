/// Names of the files in a table's `_delta_log` folder.
public enum DeltaLogFiles {
    public static let folder = "_delta_log"
    public static let lastCheckpoint = "_last_checkpoint"

    /// `00000000000000000042.json`.
    public static func commit(_ version: Int64) -> String { padded(version) + ".json" }

    /// `00000000000000000040.checkpoint.parquet`.
    public static func checkpoint(_ version: Int64) -> String { padded(version) + ".checkpoint.parquet" }

    /// The version of a commit file's name, or nil for any other file.
    public static func commitVersion(_ name: String) -> Int64? {
        guard name.count == 25, name.hasSuffix(".json") else { return nil }
        let digits = name.prefix(20)
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int64(digits)
    }

    /// The version of a single-file checkpoint's name, or nil for any other file (multi-part and
    /// v2 checkpoints included: Sluice does not read them).
    public static func checkpointVersion(_ name: String) -> Int64? {
        guard name.count == 39, name.hasSuffix(".checkpoint.parquet") else { return nil }
        let digits = name.prefix(20)
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int64(digits)
    }

    /// The `_last_checkpoint` file's text for a single-file checkpoint of `version` with `rows`
    /// actions in `bytes` bytes, `addFiles` of them files.
    public static func lastCheckpointText(version: Int64, rows: Int, bytes: Int, addFiles: Int) -> String {
        DeltaJSON.text(["version": version, "size": rows, "sizeInBytes": bytes, "numOfAddFiles": addFiles]) + "\n"
    }

    static func padded(_ version: Int64) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }
}
