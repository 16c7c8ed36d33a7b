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
