
-- consume_gcra: consume.lua's semantics and reply for batches whose calls are all GCRA, the common
-- case. Self-contained: GCRA's step is written out in the loop, with the arithmetic of gcra.lua
-- (prelude.lua explains the exactness), and without the dispatch and the dozen helper functions
-- of the general script, which Redis would create anew on every call (docs/redis.md,
-- "Performance", has what it saves). LuaAlgorithmsMatchCoreTest holds it to
-- dev.moat.core.limit.Gcra like the general script.
--
-- Its ARGV is shorter than consume.lua's, because every argument costs Redis a string to parse and
-- a Lua string to make (ConsumeArgs builds both layouts):
--   slack, L, then L limits of four: M, P, tolerance, burst (each distinct limit of the batch once),
--   then per check: now, n (the number of its calls; negative for a dry run),
--   then per call: its limit's number (1..L), cost.
local floor, find, sub, format = math.floor, string.find, string.sub, string.format
local E6 = 1000000

-- floor(a / b) for integers a >= 0 (or small negatives) and b > 0, exact while |a| < 2^53
local function fdiv(a, b)
  local q = floor(a / b)
  local r = a - q * b
  if r < 0 then
    q = q - 1
  elseif r >= b then
    q = q + 1
  end
  return q
end

-- the debt (tat - now, in ticks, rounded down) of a stored TAT; nil when absent or malformed
local function debt_of(raw, now, m)
  if not raw or not find(raw, '^%d+$') then
    return nil
  end
  local len = #raw
  local hi, lo
  if len <= 6 then
    hi, lo = 0, tonumber(raw)
  else
    hi, lo = tonumber(sub(raw, 1, len - 6)), tonumber(sub(raw, len - 5))
  end
  if hi < now or (hi == now and lo == 0) then
    return 0
  end
  return (hi - now) * m + fdiv(lo * m, E6)
end

-- writes the state for a debt of `debt` ticks at `now` (now + ceil(debt * 10^6 / M) ns), or
-- deletes the key when that is now (back to full)
local function write(key, debt, now, m, slack)
  local q = fdiv(debt, m)
  local r = (debt - q * m) * E6
  local c = fdiv(r, m)
  if c * m ~= r then
    c = c + 1
  end
  if c >= E6 then
    q = q + 1
    c = c - E6
  end
  if q == 0 and c == 0 then
    redis.call('DEL', key)
    return
  end
  local ms = now + q
  local idle = ms
  if c > 0 then
    idle = ms + 1
  end
  local s
  if ms > 0 then
    s = format('%d%06d', ms, c) -- ms is a whole number below 2^53: %d prints it exactly, about twice as fast as %.0f
  else
    s = format('%d', c)
  end
  redis.call('SET', key, s, 'PX', idle - now + slack)
end

local slack = tonumber(ARGV[1])
local limits = tonumber(ARGV[2])
if not limits or limits < 0 or 2 + 4 * limits > #ARGV then
  -- another layout's arguments (consume.lua's): refuse at once rather than loop on them
  return redis.error_reply('consume_gcra: ARGV is not its layout (slack, L, L limits of four, checks)')
end
local LM, LP, LTOL, LCAP = {}, {}, {}, {}
for l = 1, limits do
  local j = 2 + (l - 1) * 4
  LM[l], LP[l], LTOL[l], LCAP[l] = tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2]), tonumber(ARGV[j + 3]), tonumber(ARGV[j + 4])
end
local nargs = #ARGV
local out = {}
local w = 0
local o = 2 + 4 * limits
local k = 0
while o < nargs do
  local now = tonumber(ARGV[o + 1])
  local n = tonumber(ARGV[o + 2])
  local dry = n < 0
  if dry then
    n = -n
  end
  local base = o + 2
  local refused_at = 0
  for i = 1, n do
    local j = base + (i - 1) * 2
    local key = KEYS[k + i]
    local l = tonumber(ARGV[j + 1])
    local cost, m, p, tol = tonumber(ARGV[j + 2]), LM[l], LP[l], LTOL[l]
    local debt = debt_of(redis.call('GET', key), now, m) or 0
    local ok, rem, retry, reset
    local nd = debt + cost * p
    local never = cost > LCAP[l]
    if never or nd > tol then
      ok = 0
      rem = 0
      if debt < tol then
        rem = fdiv(tol - debt, p)
      end
      if never then
        retry = -1
      else
        retry = fdiv(nd - tol, m)
        if retry * m ~= nd - tol then
          retry = retry + 1
        end
      end
      reset = debt
    else
      ok = 1
      rem = fdiv(tol - nd, p)
      retry = 0
      reset = nd
      if not dry and refused_at == 0 then
        write(key, nd, now, m, slack)
      end
    end
    local rq = fdiv(reset, m)
    if rq * m ~= reset then
      rq = rq + 1
    end
    if ok == 0 and refused_at == 0 then
      refused_at = i
    end
    out[w + 1] = ok
    out[w + 2] = rem
    out[w + 3] = retry
    out[w + 4] = rq
    w = w + 4
  end
  if refused_at > 1 and not dry then
    for i = 1, refused_at - 1 do
      local j = base + (i - 1) * 2
      local key = KEYS[k + i]
      local l = tonumber(ARGV[j + 1])
      local m = LM[l]
      local debt = debt_of(redis.call('GET', key), now, m)
      if debt then
        debt = debt - tonumber(ARGV[j + 2]) * LP[l]
        if debt < 0 then
          debt = 0
        end
        write(key, debt, now, m, slack)
      end
    end
  end
  k = k + n
  o = base + 2 * n
end
return out
