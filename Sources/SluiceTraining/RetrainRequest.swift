import Foundation

/// The `retrain_requested` event on the `sluice.ct` topic (keyed by model): one retraining run
/// asked for, by a trigger or by hand, with why and which champion it is to beat. `requestID`
/// makes a request delivered twice one run.
public struct RetrainRequest: Sendable, Equatable, Codable {
    public static let type = "retrain_requested"
    public static let defaultTopic = "sluice.ct"

    public var type = RetrainRequest.type
    public var requestID: String
    public var model: String
    /// The version serving as champion when the request was made (nil: not deployed).
    public var championVersion: Int?
    /// Epoch ms.
    public var requestedAt: Int64
    /// `manual`, or the triggers that fired (`data_drift`, `decay`, `schedule`, `new_labels`).
    public var triggers: [String]
    /// Why, in sentences.
    public var reasons: [String]
    /// Who asked (a person's name, or `sluice ct run`).
    public var actor: String

    enum CodingKeys: String, CodingKey {
        case type
        case requestID = "request_id"
        case model
        case championVersion = "champion_version"
        case requestedAt = "requested_at"
        case triggers, reasons, actor
    }

    public init(
        requestID: String = UUID().uuidString.lowercased(), model: String, championVersion: Int?, requestedAt: Int64,
        triggers: [String], reasons: [String], actor: String
    ) {
        self.requestID = requestID
        self.model = model
        self.championVersion = championVersion
        self.requestedAt = requestedAt
        self.triggers = triggers
        self.reasons = reasons
        self.actor = actor
    }

    /// A request made by `decision`'s reasons.
    public init(model: String, championVersion: Int?, requestedAt: Int64, decision: RetrainTrigger.Decision) {
        self.init(
            model: model, championVersion: championVersion, requestedAt: requestedAt,
            triggers: decision.reasons.map(\.kind), reasons: decision.reasons.map(\.description), actor: "sluice ct run"
        )
    }

    /// One line of JSON, keys sorted.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and numbers cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Parses an event; nil for anything that is not a well-formed `retrain_requested` event.
    public init?(json: Data) {
        guard let request = try? JSONDecoder().decode(RetrainRequest.self, from: json), request.type == Self.type,
            !request.requestID.isEmpty, !request.model.isEmpty
        else { return nil }
        self = request
    }
}

extension RetrainTrigger.Reason {
    /// The trigger's name in events and policy files.
    public var kind: String {
        switch self {
        case .dataDrift: "data_drift"
        case .decay: "decay"
        case .schedule: "schedule"
        case .newLabels: "new_labels"
        }
    }
}
