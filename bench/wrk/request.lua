-- One wrk script for every target.
--   wrk ... -s request.lua URL -- METHOD PATH [BODY] [IDS_FILE] [THREADS]
-- PATH may contain {id}: each request then takes the next id from IDS_FILE
-- (one per line), so writes spread over many rows instead of queueing on one
-- row lock. BODY may contain {id} too (each one the next id) and {action},
-- which alternates between complete and reopen on each pass over the ids;
-- then each of the THREADS threads takes its own share of the ids, so two
-- threads never complete and reopen the same task. bench/targets.py (fill)
-- does the same for the open-loop client. Headers (Authorization, Cookie)
-- come from wrk's -H options. done() prints one machine-readable line that
-- bench/measure.py parses.

local ids = {}
local counter = 0
local path_template = nil
local body_template = nil
local ids_per_body = 0
local static_request = nil
local threads_set_up = 0
local actions = {"complete", "reopen"}

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
    local _, count = string.gsub(body, "{id}", "")
    if count > 0 then
      body_template = body
      ids_per_body = count
    end
  end
  local threads = tonumber(args[5] or "1")
  local ids_file = args[4]
  if ids_file ~= nil and ids_file ~= "" and ids_file ~= "-" then
    local index = 0
    for line in io.lines(ids_file) do
      if line ~= "" then
        if body_template == nil or index % threads == (thread_index or 0) then ids[#ids + 1] = line end
        index = index + 1
      end
    end
  end
  if string.find(path_template, "{id}", 1, true) == nil and body_template == nil then
    static_request = wrk.format(nil, path_template)
  end
  -- Threads start at different places in the id list (their own list for bodies with ids).
  if body_template == nil then
    counter = (thread_index or 0) * math.floor(#ids / 2)
  end
end

local function next_id()
  counter = counter + 1
  return ids[((counter - 1) % #ids) + 1]
end

function request()
  if static_request ~= nil then
    return static_request
  end
  if body_template ~= nil then
    local pass = math.floor(counter / #ids)
    local body = string.gsub(body_template, "{action}", actions[(pass % 2) + 1])
    body = string.gsub(body, "{id}", next_id)
    return wrk.format(nil, path_template, nil, body)
  end
  return wrk.format(nil, (string.gsub(path_template, "{id}", next_id())))
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
