-- wrk script for bench/load_mix: GET /api/v1/grants/{id}/token, rotating pre-generated requests.
--
-- Usage: wrk ... -s tokens.lua <url> -- <tokens.tsv>
-- Each line of tokens.tsv is "<api key secret>\t<grant public id>\t<etag or empty>". A line with
-- an ETag sends If-None-Match, as a client holding the token would, and expects 304; the others
-- expect 200. Both count as ok; any other status is counted (and fails the run).
-- done() prints "BENCH_JSON {...}" in the format of bench/consent_check/checks.lua.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  reqs = {}
  for line in io.lines(args[1]) do
    local key, grant, etag = line:match("^([^\t]+)\t([^\t]+)\t([^\t]*)$")
    if key then
      local headers = { ["Accept"] = "application/json", ["Authorization"] = "Bearer " .. key }
      if etag ~= "" then headers["If-None-Match"] = etag end
      reqs[#reqs + 1] = wrk.format("GET", "/api/v1/grants/" .. grant .. "/token", headers)
    end
  end
  idx = ((tid or 1) * 7919) % #reqs
  ok, not_ok, s4xx, s5xx, not_modified = 0, 0, 0, 0, 0
end

function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  elseif status == 304 then
    ok = ok + 1
    not_modified = not_modified + 1
  else
    not_ok = not_ok + 1
    if status >= 500 then s5xx = s5xx + 1 elseif status >= 400 then s4xx = s4xx + 1 end
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, not_ok = 0, s4xx = 0, s5xx = 0, not_modified = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (thread:get(k) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, ' ..
    '"ok": %d, "not_ok": %d, "s4xx": %d, "s5xx": %d, "not_modified": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, "status_errors": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    t.ok, t.not_ok, t.s4xx, t.s5xx, t.not_modified,
    e.connect, e.read, e.write, e.timeout, e.status))
end
