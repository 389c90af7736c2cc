-- POST /v1/score: one payment of a random card out of CARDS (environment) per request, scored by
-- MODEL's deployment (default fraud-model); the latency percentiles at the end.
local cards = tonumber(os.getenv("CARDS") or "100000")
local model = os.getenv("MODEL") or "fraud-model"
math.randomseed(os.time())
local counter = 0
request = function()
  counter = counter + 1
  local card = math.random(0, cards - 1)
  local body = string.format(
    '{"model":"%s","event":{"txn_id":"bench-%d-%d","card_id":"card-%d","merchant_id":"m-%d","device_id":"dev-%d",' ..
    '"amount":%d.25,"currency":"EUR","country":"FR","mcc":5411,"channel":"web","ts":%d}}',
    model, counter, math.random(0, 1e9), card, card % 500, card % 9000, 10 + card % 400, os.time() * 1000)
  return wrk.format("POST", "/v1/score", {["Content-Type"] = "application/json"}, body)
end
dofile("scripts/wrk/report.lua")
