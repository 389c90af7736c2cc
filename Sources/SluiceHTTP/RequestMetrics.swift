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
    /// The data routes' usual statuses are made with the first request and exported at 0, so that
    /// an error rate has its series before the first error.
    private static let counters = Mutex<[CounterKey: Counter]>(
        Dictionary(
            uniqueKeysWithValues: [lookupRoute, "/v1/features", scoreRoute].flatMap { route in
                [200, 400, 404, 409, 500, 503].map { status in
                    (CounterKey(route: route, status: status), counter(route: route, status: status))
                }
            }))

    private static func counter(route: String, status: Int) -> Counter {
        Counter(label: "sluice_http_requests_total", dimensions: [("route", route), ("status", String(status))])
    }

    static func record(route: String, status: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        (timers[route] ?? timers["other"]!)
            .recordNanoseconds(
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        let key = CounterKey(route: route, status: status)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let made = Self.counter(route: route, status: status)
            counters[key] = made
            return made
        }
        counter.increment()
    }
}
