-- wrk script: POST a ~1.5 KB JSON event, then report what the benchmark needs
-- in one machine-readable line.
local pad = string.rep("x", 1200)
wrk.method = "POST"
wrk.path = "/bench/stripe"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Stripe-Signature"] = "t=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
wrk.body = '{"id":"evt_1Q2w3E4r5T6y","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_3","amount":2000,"currency":"usd","pad":"' .. pad .. '"}}}'

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d requests=%d non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, non2xx, errors))
end
