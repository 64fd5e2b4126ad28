-- One wrk script for every target.
--   wrk ... -s request.lua URL -- METHOD PATH [BODY] [IDS_FILE]
-- PATH may contain {id}: each request then takes the next id from IDS_FILE
-- (one per line), so writes spread over many rows instead of queueing on one
-- row lock. Headers (Authorization, Cookie) come from wrk's -H options.
-- done() prints one machine-readable line that bench/run.py parses.

local ids = {}
local counter = 0
local path_template = nil
local static_request = nil
local threads_set_up = 0

-- Runs in wrk's main Lua state; gives each thread its own starting offset.
function setup(thread)
  thread:set("thread_index", threads_set_up)
  threads_set_up = threads_set_up + 1
end

function init(args)
  wrk.method = args[1] or "GET"
  path_template = args[2] or "/"
  local body = args[3]
  if body ~= nil and body ~= "" and body ~= "-" then
    wrk.body = body
    wrk.headers["Content-Type"] = "application/json"
  end
  local ids_file = args[4]
  if ids_file ~= nil and ids_file ~= "" and ids_file ~= "-" then
    for line in io.lines(ids_file) do
      if line ~= "" then ids[#ids + 1] = line end
    end
  end
  if string.find(path_template, "{id}", 1, true) == nil then
    static_request = wrk.format(nil, path_template)
  end
  -- Threads start at different places in the id list.
  counter = (thread_index or 0) * math.floor(#ids / 2)
end

function request()
  if static_request ~= nil then
    return static_request
  end
  counter = counter + 1
  local id = ids[(counter % #ids) + 1]
  return wrk.format(nil, (string.gsub(path_template, "{id}", id)))
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
