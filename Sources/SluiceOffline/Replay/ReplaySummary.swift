import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// What a replay did.
public struct ReplaySummary: Sendable {
    public var messages = 0
    public var rows = 0
    public var rejected: [RejectionReason: Int] = [:]
    public var files = 0
    public var seconds = 0.0
}
