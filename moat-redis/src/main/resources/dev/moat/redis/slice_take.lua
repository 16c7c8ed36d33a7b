
-- slice_take: moves a slice of a global budget to one node (docs/redis.md, "Slice leasing").
-- KEYS[1]: the global counter; KEYS[2]: the node registry (same hash tag).
-- ARGV: now, slack, nodeId, nodeTtl, divisor, want, six call arguments (cost = the request's
-- cost), capacity. The grant is at least the cost, at most `want`, at most capacity / (divisor *
-- live nodes), and never more than the budget has left, so a slice is spent like any request.
-- Returns {allowed, granted, remaining, retryAfter, reset, hint}: hint is the fixed window's end,
-- or the sliding window's bucket index, that the slice belongs to.
local key = KEYS[1]
local now = tonumber(ARGV[1])
local slack = tonumber(ARGV[2])
redis.call('ZADD', KEYS[2], fmt(now + tonumber(ARGV[4])), ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. fmt(now))
redis.call('PEXPIRE', KEYS[2], fmt(tonumber(ARGV[4]) + slack))
local nodes = redis.call('ZCARD', KEYS[2])
if nodes < 1 then
  nodes = 1
end
local divisor = tonumber(ARGV[5])
local want = tonumber(ARGV[6])
local alg, cost, a, b, c, d = call_args(6, 1)
local capacity = tonumber(ARGV[13])
local share = math.floor(capacity / (divisor * nodes))
if want > share then
  want = share
end
if want < cost then
  want = cost
end
local raw = redis.call('GET', key)
local avail
if alg == 'g' then
  local hi, lo = gcra_parse(raw)
  avail = gcra_remaining(gcra_debt(hi, lo, now, a), b, c)
  if avail > d then
    avail = d
  end
elseif alg == 'f' then
  local e, u = fixed_parse(raw)
  if fixed_idle(e, u, now) then
    avail = a
  else
    avail = a - u
  end
else
  avail = a - sw_total(sw_rolled(sw_parse(raw, c), now, b, c), c)
end
local grant = want
if grant > avail then
  grant = avail
end
if grant < cost or cost > capacity then
  local ok, rem, retry, reset = step(alg, raw, now, cost, a, b, c, d)
  return {0, 0, rem, retry, reset, 0}
end
local ok, rem, retry, reset, nxt = step(alg, raw, now, grant, a, b, c, d)
if ok ~= 1 then
  return {0, 0, rem, retry, reset, 0}
end
write(alg, key, nxt, now, a, b, c, d, slack)
local hint = 0
if alg == 'f' then
  hint = nxt[1]
elseif alg == 's' then
  hint = nxt[2]
end
return {1, grant, rem, 0, reset, hint}
