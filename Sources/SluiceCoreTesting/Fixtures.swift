import SluiceCore

/// A small topology shaped like fraud.yaml's card view, for tests of the pure modules.
public enum Fixtures {
    public static let source = SourceSpec(
        topic: "transactions", deadLetterTopic: "transactions.dlq",
        fields: [
            FieldSpec(name: "txn_id", type: .string, required: true, maxLength: 64),
            FieldSpec(name: "card_id", type: .string, required: true, maxLength: 64),
            FieldSpec(name: "merchant_id", type: .string, required: true, maxLength: 64),
            FieldSpec(name: "amount", type: .double, required: true, minimum: 0, maximum: 1_000_000),
            FieldSpec(name: "country", type: .string),
            FieldSpec(name: "mcc", type: .int),
            FieldSpec(name: "ts", type: .timestampMillis, required: true),
        ],
        eventTimeField: "ts", eventIdField: "txn_id", maxMessageBytes: 4096, maxFutureSkew: 300_000)

    public static let minute: Int64 = 60_000
    public static let hour: Int64 = 3_600_000

    public static let cardView = ViewSpec(
        name: "card", keyField: "card_id",
        features: [
            FeatureSpec(name: "txn_count_1m", aggregation: .count, window: minute, tile: 1000),
            FeatureSpec(name: "txn_count_1h", aggregation: .count, window: hour, tile: minute),
            FeatureSpec(name: "amount_sum_1h", aggregation: .sum, field: "amount", window: hour, tile: minute),
            FeatureSpec(name: "amount_avg_1h", aggregation: .mean, field: "amount", window: hour, tile: minute),
            FeatureSpec(name: "amount_max_1h", aggregation: .max, field: "amount", window: hour, tile: minute),
            FeatureSpec(name: "amount_min_24h", aggregation: .min, field: "amount", window: 24 * hour, tile: hour),
            FeatureSpec(name: "amount_std_24h", aggregation: .stddev, field: "amount", window: 24 * hour, tile: hour),
            FeatureSpec(
                name: "distinct_merchants_24h", aggregation: .distinctCount, field: "merchant_id", window: 24 * hour,
                tile: hour),
            FeatureSpec(name: "secs_since_last_txn", aggregation: .timeSinceLast, window: 24 * hour, tile: hour),
            FeatureSpec(name: "last_amount", aggregation: .last, field: "amount", window: 24 * hour, tile: hour),
        ],
        allowedLateness: 2 * minute)

    public static let layout = ViewLayout(view: cardView, source: source)
    public static let decoder = EventDecoder(source: source, entityFields: ["card_id", "merchant_id"])

    public static func event(
        card: String = "c1", merchant: String = "m1", amount: Double = 10, country: String? = "DE", at time: Int64
    ) -> DecodedEvent {
        DecodedEvent(
            values: [
                .string("t-\(time)"), .string(card), .string(merchant), .double(amount),
                country.map(FieldValue.string) ?? .null, .int(5411), .int(time),
            ],
            eventTime: time)
    }

    /// One entity's tiles after `events` (offsets in order) from `partition`.
    public static func tiles(_ events: [DecodedEvent], partition: Int32 = 0) -> EntityTiles {
        var tiles = EntityTiles(groupCount: layout.groups.count)
        for (offset, event) in events.enumerated() {
            tiles.apply(event, partition: partition, offset: Int64(offset), layout: layout)
        }
        return tiles
    }

    /// Applies events (partition 0, offsets in order) and reads the features at `time`.
    public static func features(_ events: [DecodedEvent], at time: Int64, partition: Int32 = 0) -> [String: Double?] {
        let tiles = tiles(events, partition: partition)
        let values = FeatureCalculator.compute(layout, tiles: tiles.storedTiles(partition: partition), at: time)
        return Dictionary(uniqueKeysWithValues: zip(cardView.features.map(\.name), values))
    }
}
