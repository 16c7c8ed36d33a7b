
-- consume: applies a group of limits as one (LimitStore.consume within one hash slot).
-- KEYS: one counter key per call. ARGV: now, dry ('1' or '0'), slack, then six per call.
-- Calls are evaluated in order; each is spent unless a dry run or an earlier call refused; when a
-- call refuses, the calls spent before it are refunded in order (MemoryLimitStore's semantics).
-- Returns four integers per call: allowed, remaining, retryAfter, reset.
local now = tonumber(ARGV[1])
local dry = ARGV[2] == '1'
local slack = tonumber(ARGV[3])
local out = {}
local refused_at = 0
for i = 1, #KEYS do
  local alg, cost, a, b, c, d = call_args(3, i)
  local raw = redis.call('GET', KEYS[i])
  local ok, rem, retry, reset, nxt = step(alg, raw, now, cost, a, b, c, d)
  if ok == 1 and not dry and refused_at == 0 then
    write(alg, KEYS[i], nxt, now, a, b, c, d, slack)
  end
  if ok == 0 and refused_at == 0 then
    refused_at = i
  end
  out[#out + 1] = ok
  out[#out + 1] = rem
  out[#out + 1] = retry
  out[#out + 1] = reset
end
if refused_at > 1 and not dry then
  for i = 1, refused_at - 1 do
    local alg, cost, a, b, c, d = call_args(3, i)
    refund(alg, KEYS[i], now, cost, a, b, c, d, slack)
  end
end
return out
