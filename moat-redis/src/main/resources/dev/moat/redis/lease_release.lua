-- lease_release: Leases.release. KEYS[1]: the lease set. ARGV: now, id. Unknown ids are ignored.
local key = KEYS[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
local removed = redis.call('ZREM', key, ARGV[2])
if redis.call('ZCARD', key) == 0 then
  redis.call('DEL', key)
end
return removed
