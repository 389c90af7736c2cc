import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A command Sluice runs to completion with a time limit (a trainer), its standard output and
/// error appended to a log file. It runs in a process group of its own, so that the time limit
/// stops whatever it started too, with every signal at its default and none blocked (the caller's
/// threads block signals, and a child inheriting that mask would ignore SIGTERM). With a group
/// file, the group's id is kept there while it runs, and a group a killed caller left behind is
/// stopped before the next start.
public enum ChildProcess {
    public enum Ending: Sendable, Equatable {
        case exited(Int32)
        case killedBySignal(Int32)
        /// The time limit passed: the group got SIGTERM, then SIGKILL 5 s later.
        case timedOut
        /// The waiting task was cancelled: the group was stopped as for the time limit.
        case cancelled
    }

    private final class Flag: Sendable {
        let isSet = Atomic<Bool>(false)
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `command` (the first word is looked up on PATH when it has no slash; relative paths
    /// are taken from the current folder) and waits for it on a thread of its own. Cancelling the
    /// task stops the process group as the time limit does.
    public static func run(
        _ command: [String], environment: [String: String] = [:], logFile: String, groupFile: String? = nil,
        timeLimit: Duration
    ) async throws(SpawnError) -> Ending {
        let cancelled = Flag()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Ending, SpawnError>, Never>) in
                let thread = Thread {
                    continuation.resume(
                        returning: Result { () throws(SpawnError) in
                            try runBlocking(
                                command, environment: environment, logFile: logFile, groupFile: groupFile,
                                timeLimit: timeLimit, cancelled: cancelled)
                        })
                }
                thread.name = "sluice.child"
                thread.start()
            }
        } onCancel: {
            cancelled.isSet.store(true, ordering: .relaxed)
        }
        return try result.get()
    }

    private static func runBlocking(
        _ command: [String], environment: [String: String], logFile: String, groupFile: String?, timeLimit: Duration,
        cancelled: Flag
    ) throws(SpawnError) -> Ending {
        guard let executable = command.first, !executable.isEmpty else { throw SpawnError(description: "no command") }
        if let groupFile { stopGroup(recordedIn: groupFile) }
        let log = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else {
            throw SpawnError(description: "cannot open \(logFile): \(String(cString: strerror(errno)))")
        }
        defer { close(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        var variables = ProcessInfo.processInfo.environment
        variables.merge(environment) { _, new in new }
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in envp + argv { free(pointer) } }
        var pid: pid_t = 0
        let status =
            executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        if let groupFile { try? "\(pid)\n".write(toFile: groupFile, atomically: true, encoding: .utf8) }
        let ending = wait(pid, deadline: ContinuousClock.now + timeLimit, cancelled: cancelled)
        if let groupFile { try? FileManager.default.removeItem(atPath: groupFile) }
        return ending
    }

    /// Kills the process group `file` names, left running by a caller that was killed itself
    /// (SIGKILL gives it no time to stop its child), so that it cannot write over the new run's
    /// output.
    private static func stopGroup(recordedIn file: String) {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
            let group = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), group > 1
        else { return }
        kill(-group, SIGKILL)
        try? FileManager.default.removeItem(atPath: file)
    }

    private static func wait(_ pid: pid_t, deadline: ContinuousClock.Instant, cancelled: Flag)
        -> Ending
    {
        var terminatedAt: ContinuousClock.Instant?
        while true {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                // The group may outlive its leader: nothing it started is left running.
                kill(-pid, SIGKILL)
                if terminatedAt != nil { return cancelled.isSet.load(ordering: .relaxed) ? .cancelled : .timedOut }
                let signal = status & 0x7f
                return signal == 0 ? .exited((status >> 8) & 0xff) : .killedBySignal(signal)
            }
            let now = ContinuousClock.now
            if let terminatedAt {
                if now - terminatedAt > .seconds(5) { kill(-pid, SIGKILL) }
            } else if now >= deadline || cancelled.isSet.load(ordering: .relaxed) {
                kill(-pid, SIGTERM)
                terminatedAt = now
            }
            usleep(20_000)
        }
    }
}
