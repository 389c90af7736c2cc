import Foundation

/// A TCP proxy on 127.0.0.1 in front of a local server, which breaks at a moment the test
/// chooses by what the client sends: when a client's bytes contain `trigger` (say, a Redis
/// command name), that chunk is not forwarded, every connection is dropped, and new ones are
/// refused for `outage`; then the proxy forwards again. It breaks once.
///
/// Cutting on a command, not after a delay, makes the failure land at one exact point of the
/// client's work (for the engine: the read of the stored offsets in the rebalance callback),
/// however fast or slow the machine is.
///
/// `@unchecked Sendable`: its mutable state is only touched under `lock`.
public final class FaultProxy: @unchecked Sendable {
    public let port: Int
    private let targetPort: Int
    private let outage: Duration
    private let lock = NSLock()
    private var trigger: [UInt8]?
    private var refusingUntil: ContinuousClock.Instant?
    private var open: Set<Int32> = []
    private var cutCount = 0
    private var stopped = false
    private let listener: Int32

    /// How many times the proxy broke.
    public var cuts: Int { lock.withLock { cutCount } }

    /// A proxy that breaks when it sees `trigger`, or (with nil) only when told to by `cut()`.
    public init(targetPort: Int, trigger: String?, outage: Duration) throws {
        self.targetPort = targetPort
        self.trigger = trigger.map { Array($0.utf8) }
        self.outage = outage
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            close(listener)
            throw TestFailure("the proxy cannot listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        Thread { [self] in acceptLoop() }.start()
    }

    /// Closes the listener and every connection.
    public func stop() {
        let sockets = lock.withLock {
            stopped = true
            return open
        }
        for socket in sockets { shutdown(socket, Int32(SHUT_RDWR)) }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Drops every connection and refuses new ones until `restore()`: the server seems down,
    /// while it keeps running with all its data.
    public func cut() {
        let sockets = lock.withLock {
            cutCount += 1
            refusingUntil = ContinuousClock.now + .seconds(86_400)
            return open
        }
        for socket in sockets { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    /// Ends an outage `cut()` started.
    public func restore() {
        lock.withLock { refusingUntil = nil }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return  // stopped
            }
            let refuse = lock.withLock { stopped || (refusingUntil.map { ContinuousClock.now < $0 } ?? false) }
            guard !refuse, let server = connectToTarget() else {
                close(client)
                continue
            }
            lock.withLock {
                open.insert(client)
                open.insert(server)
            }
            let pair = SocketPair(client: client, server: server)
            Thread { [self] in pump(from: client, to: server, watch: true, pair: pair) }.start()
            Thread { [self] in pump(from: server, to: client, watch: false, pair: pair) }.start()
        }
    }

    private func connectToTarget() -> Int32? {
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: targetPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(server)
            return nil
        }
        return server
    }

    /// One proxied connection's two sockets, closed when both directions are done (closing one
    /// earlier could let a new connection reuse its number while the other direction still
    /// shuts it down).
    ///
    /// `@unchecked Sendable`: `finished` is only touched under the proxy's lock.
    private final class SocketPair: @unchecked Sendable {
        let client: Int32
        let server: Int32
        var finished = 0

        init(client: Int32, server: Int32) {
            self.client = client
            self.server = server
        }
    }

    /// Copies bytes until either side closes; on the client's side, breaks on the trigger.
    private func pump(from source: Int32, to destination: Int32, watch: Bool, pair: SocketPair) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        defer {
            shutdown(source, Int32(SHUT_RDWR))
            shutdown(destination, Int32(SHUT_RDWR))
            let last = lock.withLock {
                pair.finished += 1
                guard pair.finished == 2 else { return false }
                open.remove(pair.client)
                open.remove(pair.server)
                return true
            }
            if last {
                close(pair.client)
                close(pair.server)
            }
        }
        while true {
            let count = read(source, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            if watch && tripped(by: buffer[0..<count]) { return }
            var sent = 0
            while sent < count {
                let written = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + sent, count - sent) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                sent += written
            }
        }
    }

    /// Whether `chunk` holds the trigger; if so, drops every connection and starts the outage.
    private func tripped(by chunk: ArraySlice<UInt8>) -> Bool {
        let sockets: Set<Int32>? = lock.withLock {
            guard let trigger, chunk.firstRange(of: trigger) != nil else { return nil }
            self.trigger = nil
            cutCount += 1
            refusingUntil = ContinuousClock.now + outage
            return open
        }
        guard let sockets else { return false }
        for socket in sockets { shutdown(socket, Int32(SHUT_RDWR)) }
        return true
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}
