-- Moat limit algorithms for Redis: a line-by-line mirror of dev.moat.core.limit.{Gcra,FixedWindow,
-- SlidingWindow}. A limit script is this prelude, then the sections of the algorithms it may meet
-- (gcra.lua, fixed.lua, sliding.lua), then dispatch.lua, then the script's own body (consume,
-- refund, slice_take, slice_return): Redis runs a script's whole text on every call, so a consume
-- of GCRA limits only defines GCRA's functions (Script.java builds one variant per set of
-- algorithms). See docs/redis.md for the key layout and the argument layout.
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
-- The expiry is passed to SET as a Lua number (Redis formats it as an integer, exact below 2^53):
-- one fewer string built in Lua.

local E6 = 1000000
local floor, find, sub, format, tonum = math.floor, string.find, string.sub, string.format, tonumber

-- each algorithm section defines its three entry points (absent sections leave them nil, and the
-- dispatch never reaches them: a variant is chosen by the algorithms of the calls it is given)
local gcra_step, gcra_write, gcra_refund
local fixed_step, fixed_write, fixed_refund
local sw_step, sw_write, sw_refund

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

local function cdiv(a, b)
  local q = fdiv(a, b)
  if q * b ~= a then
    q = q + 1
  end
  return q
end

local function fmt(x)
  return format('%.0f', x)
end

