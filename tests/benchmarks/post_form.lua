-- wrk script: POST a form with the session cookie and CSRF token the benchmark got first.
-- BENCH_BODY is the form with {n} where each request puts a number of its own (a fresh address),
-- BENCH_PATHS (optional) a file with one path per line, taken in turn (confirm links).
local cookie = os.getenv("BENCH_COOKIE")
local body = os.getenv("BENCH_BODY")
local paths_file = os.getenv("BENCH_PATHS")
local paths = {}
local threads_count = tonumber(os.getenv("BENCH_THREADS") or "2")
local counter = 0
local started = 0

function setup(thread)
  thread:set("id", started)
  started = started + 1
end

function init(args)
  if paths_file then
    for line in io.lines(paths_file) do paths[#paths + 1] = line end
  end
end

function request()
  counter = counter + 1
  local path = wrk.path
  if #paths > 0 then
    -- each thread its own paths, so that no link is used twice while there are fresh ones
    path = paths[((counter * threads_count + id) % #paths) + 1]
  end
  local form = string.gsub(body, "{n}", tostring(id) .. "x" .. tostring(counter))
  return wrk.format("POST", path, {
    ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, form)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "errors": %d, "non_2xx_3xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
