-- One random card per request, out of CARDS (environment), and the latency percentiles at the end.
local cards = tonumber(os.getenv("CARDS") or "100000")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/v1/features/card/card-" .. math.random(0, cards - 1))
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d seconds=%.2f p50_us=%d p99_us=%d p999_us=%d\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
