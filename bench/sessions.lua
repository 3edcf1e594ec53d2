-- wrk script of the portal benchmark (bench/README.md).
--
-- run.py starts wrk with as many threads as connections (-t N -c N), so each wrk thread owns
-- exactly one connection, and gives each thread one line of the file named by the
-- BENCH_CONNECTIONS environment variable: one signed-in person with their own session.
-- A line has tab-separated fields:
--   METHOD  EXPECTED_STATUS  COOKIE_HEADER  CSRF_TOKEN  PATHS  BODIES
-- PATHS (and BODIES, for a POST) are lists separated by the byte 0x1f; the connection cycles
-- through them, so a learner reads every lesson or answers every question in turn.
-- Any response whose status is not EXPECTED_STATUS is counted as an error (a redirect to the
-- sign-in page, a 403 for a lost CSRF token, a 500), not only wrk's 4xx/5xx.

local lines = {}
local threads = {}
local count = 0

local function split(text, separator)
  local parts = {}
  if text == nil or text == "" then
    return parts
  end
  for piece in (text .. separator):gmatch("(.-)" .. separator) do
    table.insert(parts, piece)
  end
  return parts
end

function setup(thread)
  if #lines == 0 then
    local file = assert(io.open(os.getenv("BENCH_CONNECTIONS"), "r"))
    for line in file:lines() do
      if line ~= "" then
        table.insert(lines, line)
      end
    end
    file:close()
  end
  count = count + 1
  thread:set("conf", lines[(count - 1) % #lines + 1])
  thread:set("number", count)
  table.insert(threads, thread)
end

function init(args)
  local fields = split(conf, "\t")
  method = fields[1]
  expected = tonumber(fields[2])
  headers = {}
  if fields[3] ~= "" then
    headers["Cookie"] = fields[3]
  end
  if fields[4] ~= "" then
    headers["X-CSRFToken"] = fields[4]
  end
  paths = split(fields[5], "\031")
  bodies = split(fields[6], "\031")
  if #bodies > 0 then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  index = number % #paths -- connections start at different paths
  unexpected = 0
  example = ""
end

function request()
  index = index % #paths + 1
  return wrk.format(method, paths[index], headers, bodies[index])
end

function response(status, response_headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
    if example == "" then
      example = status .. " " .. paths[index] .. " -> " .. (response_headers["Location"] or "")
    end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
    if first == "" then
      first = thread:get("example")
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d, "unexpected": %d, "example": "%s", "p50_us": %d, '
      .. '"p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    bad, first:gsub('"', "'"), latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
