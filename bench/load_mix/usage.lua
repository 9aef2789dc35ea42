-- wrk script for bench/load_mix: POST /api/v1/usage-reports/, each request a new report.
--
-- Usage: wrk ... -s usage.lua <url> -- <reports.tsv> <run tag>
-- Each line of reports.tsv is "<api key secret>\t<report body>", the body a template in which
-- every "@R@" stands for the report's id. A report id is single-use (the same id again is a
-- replay, 200, and stores nothing), and so is each line id: every request substitutes
-- "<run tag>-<thread>-<n>", so no two requests of a run, or of two runs, share an id and every
-- request is real work. 201 counts as ok; 200 is a replay (counted apart: it means the ids
-- collided); anything else is counted and fails the run.
-- done() prints "BENCH_JSON {...}" in the format of bench/consent_check/checks.lua.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  tmpls = {}
  for line in io.lines(args[1]) do
    local key, body = line:match("^([^\t]+)\t(.*)$")
    if key then
      tmpls[#tmpls + 1] = { key = key, body = body }
    end
  end
  tag = args[2] .. "-" .. (tid or 1) .. "-"
  idx = ((tid or 1) * 7919) % #tmpls
  n = 0
  ok, not_ok, s4xx, s5xx, replayed = 0, 0, 0, 0, 0
end

function request()
  idx = idx % #tmpls + 1
  n = n + 1
  local t = tmpls[idx]
  -- gsub returns (string, count): keep the string only
  local body = t.body:gsub("@R@", tag .. n)
  return wrk.format("POST", "/api/v1/usage-reports/", {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
    ["Authorization"] = "Bearer " .. t.key,
  }, body)
end

function response(status, headers, body)
  if status == 201 then
    ok = ok + 1
  elseif status == 200 then
    ok = ok + 1
    replayed = replayed + 1
  else
    not_ok = not_ok + 1
    if status >= 500 then s5xx = s5xx + 1 elseif status >= 400 then s4xx = s4xx + 1 end
    if not_ok <= 3 then
      io.stderr:write("usage report answered " .. status .. ": " .. (body or ""):sub(1, 400) .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, not_ok = 0, s4xx = 0, s5xx = 0, replayed = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (thread:get(k) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, ' ..
    '"ok": %d, "not_ok": %d, "s4xx": %d, "s5xx": %d, "replayed": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, "status_errors": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    t.ok, t.not_ok, t.s4xx, t.s5xx, t.replayed,
    e.connect, e.read, e.write, e.timeout, e.status))
end
