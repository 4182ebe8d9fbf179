-- Print latency percentiles (ms) and requests/s as one parsable line.
--
-- With WRK_VIEW=<file> it also drives page views: each line of the file is
-- one request of the view, "path<TAB>Header: value<TAB>...", sent in that
-- order on one connection (run wrk with as many threads as connections, so
-- each thread owns one connection and one sequence). The time from sending
-- the first request of a view to the last byte of its last response is one
-- page-view latency; a second line "VIEWS ..." reports their percentiles and
-- the page views per second. WRK_STOP_AFTER=<n> stops each thread after n
-- responses (for the memory runs).
--
-- With WRK_FOLLOW=1 the view also loads what each response of it loads by
-- itself, as the browser does: every element with hx-get and a "load"
-- trigger (a counts strip or a badge whose figure was not ready) is
-- requested next, with HX-Request and HX-Target, and the view ends with the
-- last of them. A "FOLLOW" line reports the responses and the fragments
-- they loaded.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } wrk_timespec;
  int clock_gettime(int clk_id, wrk_timespec *tp);
]]
local ts = ffi.new("wrk_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end

local view_file = os.getenv("WRK_VIEW")
local seq = nil
if view_file then
  seq = {}
  for line in io.lines(view_file) do
    if line ~= "" then
      local parts = {}
      for field in string.gmatch(line, "[^\t]+") do
        table.insert(parts, field)
      end
      local headers = {}
      for i = 2, #parts do
        local k, v = string.match(parts[i], "^([^:]+):%s*(.*)$")
        headers[k] = v
      end
      table.insert(seq, { path = parts[1], headers = headers })
    end
  end
end

views = {} -- completed page-view latencies of this thread (microseconds)
pages, fragments = 0, 0 -- responses of the sequence, fragments they loaded
local pos, started = 0, 0
local follow = os.getenv("WRK_FOLLOW") == "1"
local queue = {} -- fragments still to load in this view
local in_fragment = false

-- The fragments a page loads by itself: hx-get with a "load" trigger.
local function loads(body, base)
  local found = {}
  local at = 1
  while true do
    -- A plain search first (fast on a page of 250 KB), then the tag around.
    local hit = string.find(body, 'hx-trigger="load', at, true)
    if not hit then break end
    at = hit + 16
    local open = hit
    while open > 1 and string.byte(body, open) ~= 60 do open = open - 1 end -- "<"
    local close = string.find(body, ">", hit, true) or #body
    local tag = string.sub(body, open, close)
    local url = string.match(tag, 'hx%-get="([^"]+)"')
    if url then
      local h = {}
      for k, v in pairs(base) do
        if k ~= "HX-Request" and k ~= "HX-Target" then h[k] = v end
      end
      h["HX-Request"] = "true"
      local target = string.match(tag, 'hx%-target="#([^"]+)"') or string.match(tag, ' id="([^"]+)"')
      if target then h["HX-Target"] = target end
      table.insert(found, { path = (url:gsub("&amp;", "&")), headers = h })
    end
  end
  return found
end

if seq then
  request = function()
    if #queue > 0 then
      in_fragment = true
      local r = table.remove(queue, 1)
      return wrk.format(nil, r.path, r.headers)
    end
    in_fragment = false
    pos = pos % #seq + 1
    if pos == 1 then
      started = now_us()
    end
    return wrk.format(nil, seq[pos].path, seq[pos].headers)
  end

  response = function(status, headers, body)
    if follow and not in_fragment then
      pages = pages + 1
      if body then
        for _, r in ipairs(loads(body, seq[pos].headers)) do
          table.insert(queue, r)
          fragments = fragments + 1
        end
      end
    end
    if pos == #seq and #queue == 0 then
      table.insert(views, now_us() - started)
    end
  end
end

local function percentile(sorted, p)
  if #sorted == 0 then
    return 0
  end
  local i = math.max(1, math.ceil(#sorted * p / 100))
  return sorted[i]
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT p50=%.2f p95=%.2f p99=%.2f rps=%.1f requests=%d errors=%d non2xx=%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests / secs, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
  if seq then
    local all = {}
    for _, thread in ipairs(threads) do
      for _, v in ipairs(thread:get("views") or {}) do
        table.insert(all, v)
      end
    end
    table.sort(all)
    io.write(string.format(
      "VIEWS p50=%.2f p95=%.2f p99=%.2f rps=%.1f views=%d\n",
      percentile(all, 50) / 1000, percentile(all, 95) / 1000,
      percentile(all, 99) / 1000, #all / secs, #all))
    if follow then
      local p, f = 0, 0
      for _, thread in ipairs(threads) do
        p = p + (thread:get("pages") or 0)
        f = f + (thread:get("fragments") or 0)
      end
      io.write(string.format("FOLLOW pages=%d fragments=%d\n", p, f))
    end
  end
end
