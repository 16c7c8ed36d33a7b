
-- consume: applies checks, each a group of limits applied as one (LimitStore.consume within one
-- hash slot), one check after another: the checks of concurrent callers that RedisLimitStore
-- coalesced into one call (ConsumeBatcher), or a single check. Each check is atomic and exact on
-- its own, as if it had been a script of its own run at that point.
-- KEYS: one counter key per call, the checks' calls one after another.
-- ARGV: slack, then per check: now, dry ('1' or '0'), n (its number of calls), then six per call.
-- Within a check, calls are evaluated in order; each is spent unless a dry run or an earlier call
-- refused; when a call refuses, the calls of that check spent before it are refunded in order
-- (MemoryLimitStore's semantics).
-- Returns four integers per call, in KEYS order: allowed, remaining, retryAfter, reset.
local slack = tonumber(ARGV[1])
local nargs = #ARGV
local out = {}
local o = 1   -- the ARGV index before a check's header
local k = 0   -- the KEYS index before a check's first key
while o < nargs do
  local now = tonumber(ARGV[o + 1])
  local dry = ARGV[o + 2] == '1'
  local n = tonumber(ARGV[o + 3])
  local base = o + 3
  local refused_at = 0
  for i = 1, n do
    local key = KEYS[k + i]
    local alg, cost, a, b, c, d = call_args(base, i)
    local raw = redis.call('GET', key)
    local ok, rem, retry, reset, nxt = step(alg, raw, now, cost, a, b, c, d)
    if ok == 1 and not dry and refused_at == 0 then
      write(alg, key, nxt, now, a, b, c, d, slack)
    end
    if ok == 0 and refused_at == 0 then
      refused_at = i
    end
    local w = #out
    out[w + 1] = ok
    out[w + 2] = rem
    out[w + 3] = retry
    out[w + 4] = reset
  end
  if refused_at > 1 and not dry then
    for i = 1, refused_at - 1 do
      local alg, cost, a, b, c, d = call_args(base, i)
      refund(alg, KEYS[k + i], now, cost, a, b, c, d, slack)
    end
  end
  k = k + n
  o = base + 6 * n
end
return out
