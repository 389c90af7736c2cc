extension KafkaConsumerConfiguration {
    /// librdkafka's defaults postpone a partition's next fetch by 500 ms after a fetch error and
    /// 1 s when its queue is full, and let the broker hold a fetch 100 ms: a live engine wants
    /// fresh events, and replay, which merges every partition, stalls whenever one of them is
    /// late. Settings the operator gave with --kafka-property win.
    public mutating func preferPromptFetches() {
        for (key, value) in [
            ("fetch.error.backoff.ms", "20"), ("fetch.queue.backoff.ms", "20"), ("fetch.wait.max.ms", "10"),
        ]
        where client.properties[key] == nil {
            client.properties[key] = value
        }
    }
}
