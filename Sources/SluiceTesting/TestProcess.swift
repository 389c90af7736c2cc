import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process a test starts and always stops (for example a second Redis with a password).
/// Spawned with posix_spawn, with an empty signal mask: test threads (libdispatch workers) block
/// signals, and a child inheriting that mask would ignore SIGTERM forever.
public final class TestProcess: Sendable {
    private let pid: pid_t
    private let reaped = Mutex<Bool>(false)

    public convenience init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], logFile: String? = nil
    ) throws {
        if let logFile {
            let fd = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            defer { close(fd) }
            try self.init(executable, arguments, environment: environment, outputTo: fd)
        } else {
            try self.init(executable, arguments, environment: environment, outputTo: nil)
        }
    }

    /// Starts a process that reads its standard input from `input` and writes its standard output
    /// to `output` (file descriptors the caller owns, usually pipe ends); its standard error goes
    /// to `logFile` or nowhere.
    public convenience init(
        _ executable: String, _ arguments: [String], input: Int32, output: Int32, logFile: String? = nil
    ) throws {
        let errorOutput = logFile.map { open($0, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) } ?? -1
        defer { if errorOutput >= 0 { close(errorOutput) } }
        try self.init(
            executable, arguments, environment: [:], outputTo: nil,
            interactive: (input, output, errorOutput >= 0 ? errorOutput : nil))
    }

    private init(
        _ executable: String, _ arguments: [String], environment: [String: String], outputTo pipeWriteEnd: Int32?,
        interactive: (input: Int32, output: Int32, errorOutput: Int32?)? = nil
    )
        throws
    {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        if let interactive {
            posix_spawn_file_actions_adddup2(&fileActions, interactive.input, 0)
            posix_spawn_file_actions_adddup2(&fileActions, interactive.output, 1)
            if let errorOutput = interactive.errorOutput {
                posix_spawn_file_actions_adddup2(&fileActions, errorOutput, 2)
            } else {
                posix_spawn_file_actions_addopen(&fileActions, 2, "/dev/null", O_WRONLY, 0)
            }
        } else if let pipeWriteEnd {
            posix_spawn_file_actions_adddup2(&fileActions, pipeWriteEnd, 1)
            posix_spawn_file_actions_adddup2(&fileActions, pipeWriteEnd, 2)
        } else {
            posix_spawn_file_actions_addopen(&fileActions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&fileActions, 2, "/dev/null", O_WRONLY, 0)
        }
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &fileActions, &attributes, argv, envp)
        guard status == 0 else { throw TestFailure("could not start \(executable): errno \(status)") }
        pid = child
    }

    /// Sends `signal` without waiting.
    public func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits up to `timeout` for the process to exit and returns its exit status (128 + signal
    /// for a killed process), or nil if it is still running.
    public func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                reaped.withLock { $0 = true }
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Sends SIGTERM and waits for the process to exit.
    public func stop() {
        guard !reaped.withLock({ $0 }), kill(pid, SIGTERM) == 0 else { return }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    deinit { stop() }

    /// Runs a command to completion and returns its exit status and combined stdout and stderr.
    /// The waiting happens on a thread of its own: a test blocking one of the cooperative pool's
    /// few threads for a whole subprocess would stall every other test's awaits meanwhile.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:])
        async throws -> (status: Int32, output: String)
    {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(returning: try runBlocking(executable, arguments, environment: environment))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "test.process"
            thread.start()
        }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]) throws
        -> (status: Int32, output: String)
    {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw TestFailure("pipe() failed: errno \(errno)") }
        // Only this child gets the write end (as its stdout and stderr): a process another test
        // spawns meanwhile must not inherit it, or the read below waits for that one to exit too.
        for descriptor in fds { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        let process = try TestProcess(executable, arguments, environment: environment, outputTo: fds[1])
        close(fds[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fds[0], &buffer, buffer.count)
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        close(fds[0])
        var status: Int32 = 0
        _ = waitpid(process.pid, &status, 0)
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitStatus, String(decoding: output, as: UTF8.self))
    }

    /// The `sluice` executable, which the test targets that run it declare as a dependency: the
    /// build puts it in the products folder, next to the test bundle.
    public static func sluiceExecutable() throws -> String { try productExecutable("sluice", target: "SluiceCLI") }

    /// An executable product of the package (`sluice-bench`), built beside the test bundle when
    /// the test target depends on its `target`.
    public static func productExecutable(_ name: String, target: String) throws -> String {
        let bundle = URL(
            fileURLWithPath: CommandLine.arguments.first { $0.contains(".xctest") } ?? CommandLine.arguments[0])
        let candidate = bundle.deletingLastPathComponent().appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw TestFailure("no \(name) executable at \(candidate); the test target must depend on \(target)")
        }
        return candidate
    }

    /// Finds `name` on PATH or in the usual system folders.
    public static func which(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for folder in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestFailure("\(name) is not installed; run scripts/setup")
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago, and that no other call in this process
    /// has returned. Ports come from below the kernel's ephemeral range (32768-60999 by default):
    /// a port bind(0) picks there can be given a moment later as the source port of an outgoing
    /// connection (to Redis, the broker, ...), and then the server a test starts on it cannot bind,
    /// or a connection to it meets itself (TCP simultaneous open).
    public static func freePort() throws -> Int {
        for _ in 0..<portRangeSize {
            let port = nextCandidatePort()
            if try isBindable(port) { return port }
        }
        throw TestFailure(
            "no free TCP port on 127.0.0.1 between \(portRangeStart) and \(portRangeStart + portRangeSize)")
    }

    /// A port from `freePort()` whose `port + offset` is free too (a Redis Cluster node's bus
    /// port is its port + 10000).
    public static func freePort(pairedWith offset: Int) throws -> Int {
        for _ in 0..<portRangeSize {
            let port = nextCandidatePort()
            if try isBindable(port) && isBindable(port + offset) { return port }
        }
        throw TestFailure("no free pair of TCP ports \(offset) apart on 127.0.0.1")
    }

    private static let portRangeStart = 20_000
    private static let portRangeSize = 12_000
    /// Starts at an offset taken from the process id so that two test processes at once rarely
    /// walk the same ports.
    private static let portCursor = Atomic<Int>(Int(getpid()) &* 7_919 % 12_000)

    private static func nextCandidatePort() -> Int {
        let step = portCursor.add(1, ordering: .relaxed).oldValue
        return portRangeStart + (step % portRangeSize + portRangeSize) % portRangeSize
    }

    private static func isBindable(_ port: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return bound == 0
    }

    /// Waits until something accepts TCP connections on 127.0.0.1:`port`. It tries again after
    /// every sleep, the last one included: on a machine busy with parallel tests a sleep can
    /// outlast the whole timeout, and the port may well be listening by then.
    public static func waitForPort(_ port: Int, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            close(fd)
            if connected == 0 { return }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("nothing listened on 127.0.0.1:\(port) within \(timeout)")
    }

}
