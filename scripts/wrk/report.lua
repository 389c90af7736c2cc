-- The RESULT line scripts/bench-serve parses, shared by the request scripts (dofile'd from the
-- repository root, where bench-serve runs wrk).
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d seconds=%.2f p50_us=%d p99_us=%d p999_us=%d\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
