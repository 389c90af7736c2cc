-- POST /v1/features with BATCH (environment) random cards per request.
local cards = tonumber(os.getenv("CARDS") or "100000")
local size = tonumber(os.getenv("BATCH") or "100")
math.randomseed(os.time() + 1)
request = function()
  local items = {}
  for i = 1, size do items[i] = string.format('{"view":"card","entity":"card-%d"}', math.random(0, cards - 1)) end
  return wrk.format("POST", "/v1/features", { ["Content-Type"] = "application/json" }, '{"requests":[' .. table.concat(items, ",") .. ']}')
end
dofile("scripts/wrk/report.lua")
