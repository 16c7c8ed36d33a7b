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

function fixed_step(raw, now, cost, max, per)
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

function fixed_write(key, st, now, slack)
  if st == nil or fixed_idle(st[1], st[2], now) then
    redis.call('DEL', key)
    return
  end
  redis.call('SET', key, format('%.0f:%.0f', st[1], st[2]), 'PX', st[1] - now + slack)
end

function fixed_refund(key, raw, now, cost, slack)
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

