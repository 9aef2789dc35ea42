-- wrk script for bench/consent_check: POST pre-generated consent-check bodies, rotating.
--
-- Usage: wrk ... -s checks.lua <url> -- <bodies.tsv> <path>
-- Each line of bodies.tsv is "<api key secret>\t<json body>". Every thread pre-formats all the
-- requests once, starts at its own offset, and counts 200s, other statuses and allowed answers.
-- done() prints one line "BENCH_JSON {...}" that the runner parses, with the latencies as a
-- histogram of HIST_US-wide buckets ("bucket:count,..."), so that runs can be merged exactly.

local threads = {}
local HIST_US = 10
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  local file, path = args[1], args[2]
  reqs = {}
  for line in io.lines(file) do
    local key, body = line:match("^([^\t]+)\t(.*)$")
    if key then
      reqs[#reqs + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["Accept"] = "application/json",
        ["Authorization"] = "Bearer " .. key,
      }, body)
    end
  end
  idx = ((tid or 1) * 7919) % #reqs
  ok, not_ok, s4xx, s5xx, allowed = 0, 0, 0, 0, 0
end

function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    not_ok = not_ok + 1
    if status >= 500 then s5xx = s5xx + 1 elseif status >= 400 then s4xx = s4xx + 1 end
  end
  if body and body:find('"allowed":true', 1, true) then
    allowed = allowed + 1
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, not_ok = 0, s4xx = 0, s5xx = 0, allowed = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (thread:get(k) or 0)
    end
  end
  -- latency(i) is the i-th distinct latency (microseconds) and how many requests took it.
  local buckets, hist = {}, {}
  for i = 1, #latency do
    local us, n = latency(i)
    local b = math.floor(us / HIST_US)
    buckets[b] = (buckets[b] or 0) + n
  end
  for b, n in pairs(buckets) do
    hist[#hist + 1] = string.format("%d:%d", b * HIST_US, n)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, ' ..
    '"ok": %d, "not_ok": %d, "s4xx": %d, "s5xx": %d, "allowed": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, "status_errors": %d, ' ..
    '"hist": "%s"}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    t.ok, t.not_ok, t.s4xx, t.s5xx, t.allowed,
    e.connect, e.read, e.write, e.timeout, e.status, table.concat(hist, ",")))
end
