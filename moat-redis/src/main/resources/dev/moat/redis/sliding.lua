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

function sw_step(raw, now, cost, max, prec, n)
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

function sw_write(key, s, now, n, slack)
  if s[1] <= now then
    redis.call('DEL', key)
    return
  end
  local parts = {}
  for i = 3, n + 2 do
    parts[#parts + 1] = fmt(s[i])
  end
  redis.call('SET', key, format('%.0f:%.0f:', s[1], s[2]) .. table.concat(parts, ','),
    'PX', s[1] - now + slack)
end

function sw_refund(key, raw, now, cost, prec, n, slack)
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

