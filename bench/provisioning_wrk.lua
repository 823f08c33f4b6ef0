-- wrk script for bench/bench_provisioning.py: replays a list of phone requests.
--
-- The list file (env PROV_URLS) has one request per line: "<path>\t<User-Agent>", optionally
-- followed by "\t<Header>: <value>" (the trivial view is asked as through the TLS proxy).
-- Each wrk thread takes its own slice of the list so every phone is asked exactly once per pass.
-- PROV_ONCE=1: stop a thread after one pass over its slice (the boot storm: every phone once);
-- otherwise iterate until wrk's -d duration ends. done() prints one JSON line prefixed "RESULT ".
-- wrk always waits for -d; in PROV_ONCE mode each thread notes when it started and when it got
-- its last answer (wall clock, via date(1)), and "storm_us" is the span over all threads.

local list_file = os.getenv("PROV_URLS")
local once = os.getenv("PROV_ONCE") == "1"
local requests_list = {}
for line in io.lines(list_file) do
  local path, agent, extra = line:match("^([^\t]+)\t([^\t]*)\t?(.*)$")
  if path then
    local headers = { ["User-Agent"] = agent, ["Host"] = "127.0.0.1" }
    local name, value = extra:match("^([^:]+):%s*(.*)$")
    if name then
      headers[name] = value
    end
    -- formatted once here: wrk.format per request would cost the load generator (which shares
    -- the machine's CPUs with the server) more than many a request costs the server
    requests_list[#requests_list + 1] = wrk.format("GET", path, headers)
  end
end

local threads = {}
local thread_count = tonumber(os.getenv("PROV_THREADS") or "1")
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

local function now_ns()
  local pipe = io.popen("date +%s%N")
  local value = tonumber(pipe:read("*l"))
  pipe:close()
  return value
end

function init(args)
  t0 = now_ns()
  t1 = 0
  -- this thread's slice: every thread_count-th request starting at its id
  slice = {}
  for i = id + 1, #requests_list, thread_count do
    slice[#slice + 1] = requests_list[i]
  end
  if #slice == 0 then
    slice = requests_list  -- fewer requests than threads (the static file)
  end
  position = 0
  primed = false
  sent = 0
  answered = 0
  bad = 0
end

local FILLER = wrk.format("GET", "/prov/filler/snom/filler.xml", { ["Host"] = "127.0.0.1" })

function request()
  if once and not primed then
    -- wrk calls request() once per thread before the run and does not send that request:
    -- give it a filler, so that no phone of the slice is skipped
    primed = true
    return FILLER
  end
  position = position + 1
  if position > #slice then
    if once then
      -- every phone of the slice was asked; until the last answers arrive, keep the other
      -- connections busy with a request the endpoint refuses at once (404, no database, not
      -- counted; wrk cannot read HEAD answers, which announce a body they don't carry)
      return FILLER
    end
    position = 1
  end
  sent = sent + 1
  return slice[position]
end

function response(status, headers, body)
  if once and status == 404 then
    return  -- a filler (real requests must all be 200: a missing answer shows in "answered")
  end
  if status ~= 200 then
    bad = bad + 1
  end
  answered = answered + 1
  if once and answered == #slice then
    t1 = now_ns()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local bad_total = 0
  local answered_total = 0
  local first, last, unfinished = nil, 0, false
  for _, t in ipairs(threads) do
    bad_total = bad_total + (t:get("bad") or 0)
    answered_total = answered_total + (t:get("answered") or 0)
    local start, stop = t:get("t0"), t:get("t1")
    if start and (first == nil or start < first) then first = start end
    if stop and stop > last then last = stop end
    if not stop or stop == 0 then unfinished = true end
  end
  local storm_us = 0  -- 0 when a thread never got all its answers: the run then counts as -d long
  if once and first and last > 0 and not unfinished then storm_us = (last - first) / 1000 end
  io.write(string.format(
    'RESULT {"requests": %d, "answered": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d, "non200": %d, "storm_us": %d}\n',
    summary.requests, answered_total, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status, bad_total, storm_us))
end
