-- ban_put: stores a subject's ban as a hash that expires with the ban, and counts it.
-- KEYS[1]: the ban hash; KEYS[2]: the subject's ban counter.
-- ARGV: time to live (ms), the ban's creation instant, then field/value pairs.
-- A ban created later than this one is kept (this one is a late replay from an outage); the
-- count goes up either way. Returns the subject's ban count after this one.
local count = redis.call('INCR', KEYS[2])
local cur = redis.call('HGET', KEYS[1], 'created')
if cur and tonumber(cur) > tonumber(ARGV[2]) then
  return count
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return count
