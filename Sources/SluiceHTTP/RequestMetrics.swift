import Metrics
import Synchronization

/// The per-route request metrics: a latency histogram and a counter per (route, status).
enum RequestMetrics {
    static let lookupRoute = "/v1/features/{view}/{entityId}"
    static let scoreRoute = "/v1/score"

    static let routes = [
        lookupRoute, "/v1/features", "/v1/views", "/healthz", "/readyz", "/metrics", "/openapi.json",
        "/v1/models", "/v1/models/{name}", "/v1/models/{name}/versions/{version}", "/v1/models/{name}/aliases/{alias}",
        "/v1/models/{name}/history", "/v1/models/{name}/versions/{version}/approval", scoreRoute, "other",
    ]

    /// One latency histogram per route, made once rather than looked up in the registry per request.
    private static let timers = Dictionary(
        uniqueKeysWithValues: routes.map {
            ($0, Timer(label: "sluice_http_request_duration_seconds", dimensions: [("route", $0)]))
        })

    private struct CounterKey: Hashable {
        let route: String
        let status: Int
    }

    /// Counters by route and status, kept: making one goes through the registry's lock and lookup.
    private static let counters = Mutex<[CounterKey: Counter]>([:])

    static func record(route: String, status: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        (timers[route] ?? timers["other"]!)
            .recordNanoseconds(
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        let key = CounterKey(route: route, status: status)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "sluice_http_requests_total", dimensions: [("route", route), ("status", String(status))])
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
