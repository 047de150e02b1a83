-- wrk script: POST 1 KiB events to /v1/events. BATCH (env) events per request; 1 = single.
local key = os.getenv("HOOKD_KEY")
local batch = tonumber(os.getenv("BATCH") or "1")
local pad = string.rep("x", 1024 - 120)
local one = '{"type":"deployment.success","labels":{"application_id":"app_42"},' ..
            '"data":{"deployment":{"id":"dep_1","status":"success"},"pad":"' .. pad .. '"}}'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key
if batch == 1 then
  wrk.body = one
else
  local items = {}
  for i = 1, batch do items[i] = one end
  wrk.body = '{"events":[' .. table.concat(items, ",") .. ']}'
end

local accepted = 0
local other = 0
response = function(status, headers, body)
  if status == 202 then accepted = accepted + 1 else other = other + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("requests=%d events_per_request=%d non_2xx=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, batch, summary.errors.status, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
