/// One command of an encoded pipeline: where its bytes are and which cluster slot its key is in.
/// Pure: read from the RESP the pipeline encoded, to route each command of a pipeline to the
/// cluster node that serves its key.
public struct RedisCommandSpan: Sendable, Equatable {
    /// The command's bytes in the pipeline's `encoded`.
    public var bytes: Range<Int>
    /// The slot of the command's key; nil for a command without a key (PING, WAIT, CLUSTER ...),
    /// which any node answers.
    public var slot: Int?

    /// The commands of `pipeline`, in order. Multi-key commands are routed by their first key
    /// (a node refuses keys of different slots with CROSSSLOT, which comes back as their reply).
    public static func spans(of pipeline: RedisPipeline) -> [RedisCommandSpan] {
        var spans: [RedisCommandSpan] = []
        spans.reserveCapacity(pipeline.count)
        pipeline.encoded.withUnsafeBufferPointer { bytes in
            var position = 0
            while position < bytes.count {
                let start = position
                precondition(bytes[position] == UInt8(ascii: "*"), "a pipeline holds RESP arrays of bulk strings")
                position += 1
                let argumentCount = decimal(bytes, &position)
                var name: Range<Int> = 0..<0
                var keyIndex = 1
                var slot: Int?
                for index in 0..<argumentCount {
                    precondition(bytes[position] == UInt8(ascii: "$"), "a pipeline holds RESP bulk strings")
                    position += 1
                    let length = decimal(bytes, &position)
                    let argument = position..<(position + length)
                    position += length + 2
                    if index == 0 {
                        name = argument
                        keyIndex = keyPosition(UnsafeBufferPointer(rebasing: bytes[name]))
                    } else if index == 2 && keyIndex == 3 && bytes[argument].elementsEqual("0".utf8) {
                        keyIndex = -1  // EVAL/EVALSHA with no keys
                    } else if index == keyIndex {
                        slot = RedisClusterSlot.of(bytes: UnsafeBufferPointer(rebasing: bytes[argument]))
                    }
                }
                spans.append(RedisCommandSpan(bytes: start..<position, slot: slot))
            }
        }
        return spans
    }

    /// Reads digits up to and past their CRLF.
    private static func decimal(_ bytes: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> Int {
        var value = 0
        while bytes[position] != 13 {
            value = value * 10 + Int(bytes[position] &- UInt8(ascii: "0"))
            position += 1
        }
        position += 2
        return value
    }

    /// The index of the key among a command's arguments (the name is 0): 1 for most commands,
    /// 3 for scripts (after the script and the key count), -1 for commands without a key. Read
    /// from the bytes, without allocating: it runs for every command of a batch.
    private static func keyPosition(_ name: UnsafeBufferPointer<UInt8>) -> Int {
        if hasPrefix(name, "EVAL") || hasPrefix(name, "FCALL") { return 3 }
        return keylessCommands.contains { $0.utf8CodeUnitCount == name.count && hasPrefix(name, $0) } ? -1 : 1
    }

    /// Whether `name` starts with `prefix` (upper-case ASCII), ignoring ASCII case.
    private static func hasPrefix(_ name: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        guard name.count >= prefix.utf8CodeUnitCount else { return false }
        let upper = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        return zip(name, upper).allSatisfy { ($0 >= 97 && $0 <= 122 ? $0 - 32 : $0) == $1 }
    }

    private static let keylessCommands: [StaticString] = [
        "PING", "ECHO", "AUTH", "HELLO", "SELECT", "CLIENT", "INFO", "WAIT", "MULTI", "EXEC", "DISCARD",
        "CLUSTER", "SCRIPT", "ASKING", "READONLY", "READWRITE", "DBSIZE", "FLUSHALL", "FLUSHDB", "CONFIG",
        "COMMAND", "TIME", "LASTSAVE", "ROLE", "MEMORY", "FUNCTION", "KEYS", "SCAN", "RANDOMKEY",
    ]
}
