-- One random card per request, out of CARDS (environment), and the latency percentiles at the end.
local cards = tonumber(os.getenv("CARDS") or "100000")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/v1/features/card/card-" .. math.random(0, cards - 1))
end
dofile("scripts/wrk/report.lua")
