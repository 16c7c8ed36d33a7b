-- score_add: StateStore.addScore, atomic per (subject, type). KEYS[1]: the subject's score hash
-- (field = type, value = "<score>|<atMillis>"). ARGV: type, score, now, halfLifeMillis.
-- Decays the stored score to now first (ScoreDecay.decayed). Returns {previous, current, at} as
-- strings so that the doubles survive the trip exactly.
local now = tonumber(ARGV[3])
local hl = tonumber(ARGV[4])
local prev = 0
local at = now
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local v, a = string.match(cur, '^([^|]+)|(%-?%d+)$')
  if v then
    v = tonumber(v)
    a = tonumber(a)
    if hl > 0 and now > a and v ~= 0 then
      v = v * math.pow(0.5, (now - a) / hl)
      if v < 1e-6 then
        v = 0
      end
    end
    prev = v
    if a > at then
      at = a
    end
  end
end
local nv = prev + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], string.format('%.17g', nv) .. '|' .. string.format('%.0f', at))
return {string.format('%.17g', prev), string.format('%.17g', nv), string.format('%.0f', at)}
