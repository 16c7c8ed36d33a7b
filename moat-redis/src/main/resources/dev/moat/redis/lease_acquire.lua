-- lease_acquire: dev.moat.core.limit.Leases.acquire on a sorted set (member = lease id, score =
-- expiry ms). KEYS[1]: the lease set. ARGV: now, max, leaseMillis, id, slack.
-- Returns {allowed, inFlight, retryAfter}.
local key = KEYS[1]
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local slack = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now))
local count = redis.call('ZCARD', key)
if count < max then
  redis.call('ZADD', key, string.format('%.0f', now + lease), ARGV[4])
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', key, string.format('%.0f', tonumber(last[2]) - now + slack))
  return {1, count + 1, 0}
end
local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local retry = 1
if #first > 0 then
  retry = tonumber(first[2]) - now
  if retry < 1 then
    retry = 1
  end
end
return {0, count, retry}
