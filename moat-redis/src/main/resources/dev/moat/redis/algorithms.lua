-- Moat limit algorithms for Redis: a line-by-line mirror of dev.moat.core.limit.{Gcra,FixedWindow,
-- SlidingWindow}. This prelude is prepended to every limit script (consume, refund, slice_take,
-- slice_return); see docs/redis.md for the key layout and the argument layout.
--
-- Lua 5.1 numbers are doubles, exact for integers below 2^53. Every quantity below stays under
-- that bound for the limits Moat accepts (see docs/redis.md, "Exactness"): epoch milliseconds,
-- GCRA debts in ticks (at most burst * P), and sub-millisecond nanoseconds times M. GCRA's state,
-- an epoch-nanosecond long, is never held in one double: it is split into (ms, ns-within-ms).
--
-- A call is described by six arguments: alg ('g', 'f' or 's'), cost, and four parameters:
--   g: M (ticks per ms), P (ticks per unit), tol (tolerance in ticks = burst * P), burst
--   f: max, per
--   s: max, precision, buckets
-- A step returns allowed (1/0), remaining, retryAfter (-1: never), reset, and the next state
-- (an algorithm-specific value, nil when nothing is to be written).
--
-- A written state expires (PX) at its idle instant plus `slack`, counted from `now`: relative to
-- the caller's clock, so an offset between a node's clock and Redis's never expires a key early.

local E6 = 1000000

-- floor(a / b) for integers a >= 0 (or small negatives) and b > 0, exact while |a| < 2^53
local function fdiv(a, b)
  local q = math.floor(a / b)
  local r = a - q * b
  if r < 0 then
    q = q - 1
  elseif r >= b then
    q = q + 1
  end
  return q
end

local function cdiv(a, b)
  local q = fdiv(a, b)
  if q * b ~= a then
    q = q + 1
  end
  return q
end

local function fmt(x)
  return string.format('%.0f', x)
end

-- ---- GCRA -----------------------------------------------------------------------------------

-- the TAT string (epoch ns) as (ms, ns within the ms); nil for absent or malformed state
local function gcra_parse(raw)
  if not raw or not string.match(raw, '^%d+$') then
    return nil
  end
  local len = #raw
  if len <= 6 then
    return 0, tonumber(raw)
  end
  return tonumber(string.sub(raw, 1, len - 6)), tonumber(string.sub(raw, len - 5))
end

-- tat - now in ticks, rounded down; 0 when idle (Gcra.debtTicks)
local function gcra_debt(hi, lo, now, m)
  if hi == nil or hi < now or (hi == now and lo == 0) then
    return 0
  end
  return (hi - now) * m + fdiv(lo * m, E6)
end

local function gcra_remaining(debt, p, tol)
  if debt >= tol then
    return 0
  end
  return fdiv(tol - debt, p)
end

-- the state for a debt of `debt` ticks at `now`: now + ceil(debt * 10^6 / M) ns, as (ms, ns)
local function gcra_state_of(debt, now, m)
  local q = fdiv(debt, m)
  local r = debt - q * m
  local c = cdiv(r * E6, m)
  if c >= E6 then
    q = q + 1
    c = c - E6
  end
  return now + q, c
end

local function gcra_step(raw, now, cost, m, p, tol, burst)
  local hi, lo = gcra_parse(raw)
  local debt = gcra_debt(hi, lo, now, m)
  if cost > burst then
    return 0, gcra_remaining(debt, p, tol), -1, cdiv(debt, m), nil
  end
  local nd = debt + cost * p
  if nd <= tol then
    return 1, gcra_remaining(nd, p, tol), 0, cdiv(nd, m), nd
  end
  return 0, gcra_remaining(debt, p, tol), cdiv(nd - tol, m), cdiv(debt, m), nil
end

local function gcra_write(key, debt, now, m, slack)
  local ms, ns = gcra_state_of(debt, now, m)
  if ms == now and ns == 0 then
    redis.call('DEL', key)
    return
  end
  local idle_at = ms
  if ns > 0 then
    idle_at = ms + 1
  end
  local s
  if ms > 0 then
    s = fmt(ms) .. string.format('%06d', ns)
  else
    s = string.format('%d', ns)
  end
  redis.call('SET', key, s, 'PX', fmt(idle_at - now + slack))
end

local function gcra_refund(key, raw, now, cost, m, p, slack)
  local hi, lo = gcra_parse(raw)
  if hi == nil then
    return
  end
  local debt = gcra_debt(hi, lo, now, m) - cost * p
  if debt < 0 then
    debt = 0
  end
  gcra_write(key, debt, now, m, slack)
end

-- ---- fixed window ---------------------------------------------------------------------------

local function fixed_parse(raw)
  if not raw then
    return nil
  end
  local e, u = string.match(raw, '^(%-?%d+):(%d+)$')
  if not e then
    return nil
  end
  return tonumber(e), tonumber(u)
end

local function fixed_idle(e, u, now)
  return e == nil or u == 0 or now >= e
end

local function fixed_step(raw, now, cost, max, per)
  local e, u = fixed_parse(raw)
  local wend, used
  if fixed_idle(e, u, now) then
    wend = now + per
    used = 0
  else
    wend = e
    used = u
  end
  if used + cost <= max then
    if used + cost == 0 then
      return 1, max - used - cost, 0, 0, {now, 0}
    end
    return 1, max - used - cost, 0, wend - now, {wend, used + cost}
  end
  local retry = wend - now
  if cost > max then
    retry = -1
  end
  local reset = wend - now
  if used == 0 then
    reset = 0
  end
  return 0, max - used, retry, reset, nil
end

local function fixed_write(key, st, now, slack)
  if st == nil or fixed_idle(st[1], st[2], now) then
    redis.call('DEL', key)
    return
  end
  redis.call('SET', key, fmt(st[1]) .. ':' .. fmt(st[2]), 'PX', fmt(st[1] - now + slack))
end

local function fixed_refund(key, raw, now, cost, slack)
  local e, u = fixed_parse(raw)
  if e == nil then
    return
  end
  if now >= e then
    fixed_write(key, {e, u}, now, slack)
    return
  end
  local used = u - cost
  if used <= 0 then
    fixed_write(key, {now, 0}, now, slack)
  else
    fixed_write(key, {e, used}, now, slack)
  end
end

-- ---- sliding window -------------------------------------------------------------------------
-- state table: s[1] = idle-at ms, s[2] = newest bucket, s[3 + (b mod n)] = count of bucket b

local function sw_parse(raw, n)
  if not raw then
    return nil
  end
  local ia, nw, rest = string.match(raw, '^(%-?%d+):(%-?%d+):(.*)$')
  if not ia then
    return nil
  end
  local s = {tonumber(ia), tonumber(nw)}
  local k = 0
  for c in string.gmatch(rest, '[^,]+') do
    k = k + 1
    s[2 + k] = tonumber(c)
  end
  if k ~= n then
    return nil
  end
  return s
end

local function sw_slot(b, n)
  return 3 + (b % n)
end

local function sw_rolled(st, now, prec, n)
  local current = fdiv(now, prec)
  local s = {0, current}
  for i = 3, n + 2 do
    s[i] = 0
  end
  if st == nil then
    return s
  end
  local newest = st[2]
  if current < newest then
    -- the clock went backwards: keep the counts, they are still the most recent we know
    for i = 1, n + 2 do
      s[i] = st[i]
    end
    return s
  end
  local from = newest - n + 1
  if current - n + 1 > from then
    from = current - n + 1
  end
  for b = from, newest do
    s[sw_slot(b, n)] = st[sw_slot(b, n)]
  end
  return s
end

local function sw_total(s, n)
  local sum = 0
  for i = 3, n + 2 do
    sum = sum + s[i]
  end
  return sum
end

local function sw_until_empty(s, now, prec, n)
  local newest = s[2]
  for b = newest, newest - n + 1, -1 do
    if s[sw_slot(b, n)] ~= 0 then
      local t = (b + n) * prec - now
      if t < 0 then
        t = 0
      end
      return t
    end
  end
  return 0
end

local function sw_step(raw, now, cost, max, prec, n)
  local s = sw_rolled(sw_parse(raw, n), now, prec, n)
  local used = sw_total(s, n)
  local newest = s[2]
  if used + cost <= max then
    local slot = sw_slot(newest, n)
    s[slot] = s[slot] + cost
    local ue = sw_until_empty(s, now, prec, n)
    s[1] = now + ue
    return 1, max - used - cost, 0, ue, s
  end
  local retry = -1
  if cost <= max then
    local leaving = 0
    for b = newest - n + 1, newest do
      leaving = leaving + s[sw_slot(b, n)]
      if used - leaving + cost <= max then
        retry = (b + n) * prec - now
        if retry < 1 then
          retry = 1
        end
        break
      end
    end
  end
  local rem = max - used
  if rem < 0 then
    rem = 0
  end
  return 0, rem, retry, sw_until_empty(s, now, prec, n), nil
end

local function sw_write(key, s, now, n, slack)
  if s[1] <= now then
    redis.call('DEL', key)
    return
  end
  local parts = {}
  for i = 3, n + 2 do
    parts[#parts + 1] = fmt(s[i])
  end
  redis.call('SET', key, fmt(s[1]) .. ':' .. fmt(s[2]) .. ':' .. table.concat(parts, ','),
    'PX', fmt(s[1] - now + slack))
end

local function sw_refund(key, raw, now, cost, prec, n, slack)
  local st = sw_parse(raw, n)
  if st == nil then
    return
  end
  local s = sw_rolled(st, now, prec, n)
  local left = cost
  local b = s[2]
  while b > s[2] - n and left > 0 do
    local slot = sw_slot(b, n)
    local take = s[slot]
    if left < take then
      take = left
    end
    s[slot] = s[slot] - take
    left = left - take
    b = b - 1
  end
  s[1] = now + sw_until_empty(s, now, prec, n)
  sw_write(key, s, now, n, slack)
end

-- ---- dispatch -------------------------------------------------------------------------------

local function step(alg, raw, now, cost, a, b, c, d)
  if alg == 'g' then
    return gcra_step(raw, now, cost, a, b, c, d)
  elseif alg == 'f' then
    return fixed_step(raw, now, cost, a, b)
  end
  return sw_step(raw, now, cost, a, b, c)
end

local function write(alg, key, nxt, now, a, b, c, d, slack)
  if alg == 'g' then
    gcra_write(key, nxt, now, a, slack)
  elseif alg == 'f' then
    fixed_write(key, nxt, now, slack)
  else
    sw_write(key, nxt, now, c, slack)
  end
end

local function refund(alg, key, now, cost, a, b, c, d, slack)
  local raw = redis.call('GET', key)
  if alg == 'g' then
    gcra_refund(key, raw, now, cost, a, b, slack)
  elseif alg == 'f' then
    fixed_refund(key, raw, now, cost, slack)
  else
    sw_refund(key, raw, now, cost, b, c, slack)
  end
end

-- reads call i's six arguments starting after ARGV[base]
local function call_args(base, i)
  local o = base + (i - 1) * 6
  return ARGV[o + 1], tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4]),
    tonumber(ARGV[o + 5]), tonumber(ARGV[o + 6])
end
