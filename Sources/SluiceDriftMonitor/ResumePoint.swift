/// A source partition's progress as the monitor records it on the progress topic after each
/// close: the window size and the start before which the partition's windows are published, so
/// that a process resuming the partition knows which of them to skip. Text:
/// `sluice-drift window=<ms> progress=<ms>`.
struct ResumePoint: Equatable {
    var windowSize: Int64
    var progress: Int64

    init(windowSize: Int64, progress: Int64) {
        self.windowSize = windowSize
        self.progress = progress
    }

    /// Nil for text that is not a resume point.
    init?(_ text: String) {
        let fields = text.split(separator: " ")
        guard fields.count == 3, fields[0] == "sluice-drift", fields[1].hasPrefix("window="),
            fields[2].hasPrefix("progress="), let size = Int64(fields[1].dropFirst(7)),
            let progress = Int64(fields[2].dropFirst(9))
        else { return nil }
        self.init(windowSize: size, progress: progress)
    }

    var text: String { "sluice-drift window=\(windowSize) progress=\(progress)" }
}
