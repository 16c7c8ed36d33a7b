-- ---- GCRA -----------------------------------------------------------------------------------

-- the TAT string (epoch ns) as (ms, ns within the ms); nil for absent or malformed state
local function gcra_parse(raw)
  if not raw or not find(raw, '^%d+$') then
    return nil
  end
  local len = #raw
  if len <= 6 then
    return 0, tonum(raw)
  end
  return tonum(sub(raw, 1, len - 6)), tonum(sub(raw, len - 5))
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

function gcra_step(raw, now, cost, m, p, tol, burst)
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

function gcra_write(key, debt, now, m, slack)
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
    s = format('%d%06d', ms, ns) -- ms is a whole number below 2^53: %d prints it exactly, about twice as fast as %.0f
  else
    s = format('%d', ns)
  end
  redis.call('SET', key, s, 'PX', idle_at - now + slack)
end

function gcra_refund(key, raw, now, cost, m, p, slack)
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

