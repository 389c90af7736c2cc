import Foundation
import Logging
import SluiceKafka

// sluice-kafka-mock BROKERS TOPIC:PARTITIONS...
//
// librdkafka's mock cluster in a process of its own, driven line by line on stdin, for the tests
// that take a broker down and bring it back. librdkafka aborts the whole process when a mock
// broker cannot rebind its port on the way down (an assertion in rdkafka_mock.c, rare but seen
// under a loaded test run); out here that ends this process, which the test sees, instead of the
// test runner with every other test in it.
//
// Prints "bootstrap HOST:PORT,..." once the topics exist, then answers each command with "ok" or
// "error: WHY":
//   down ID    broker ID (1-based) drops its connections and refuses new ones
//   up ID      broker ID accepts connections again
// It exits when stdin closes.

let arguments = Array(CommandLine.arguments.dropFirst())
guard let brokers = arguments.first.flatMap({ Int($0) }), brokers > 0 else {
    FileHandle.standardError.write(Data("usage: sluice-kafka-mock BROKERS TOPIC:PARTITIONS...\n".utf8))
    exit(2)
}
LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
/// One line to the driving test, written at once (stdout is a pipe: print would buffer it).
func reply(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("sluice-kafka-mock: \(message)\n".utf8))
    exit(1)
}
let cluster: KafkaMockCluster
do {
    cluster = try KafkaMockCluster(brokers: brokers)
    for topic in arguments.dropFirst() {
        let parts = topic.split(separator: ":")
        guard parts.count == 2, let partitions = Int(parts[1]) else {
            fail("expected TOPIC:PARTITIONS, got '\(topic)'")
        }
        try cluster.createTopic(String(parts[0]), partitions: partitions)
    }
} catch {
    fail("\(error)")
}
reply("bootstrap \(cluster.bootstrapServers)")

while let line = readLine() {
    let words = line.split(separator: " ")
    switch (words.first, words.count == 2 ? Int32(words[1]) : nil) {
    case ("down", let id?) where (1...Int32(brokers)).contains(id):
        cluster.setBrokerDown(id)
        reply("ok")
    case ("up", let id?) where (1...Int32(brokers)).contains(id):
        cluster.setBrokerUp(id)
        reply("ok")
    default:
        reply("error: unknown command '\(line)'")
    }
}
