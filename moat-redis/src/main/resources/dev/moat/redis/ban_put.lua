-- ban_put: stores a subject's ban as a hash that expires with the ban, and counts it.
-- KEYS[1]: the ban hash; KEYS[2]: the subject's ban counter. ARGV: time to live (ms), then field/value pairs.
-- Returns the subject's ban count after this one.
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return redis.call('INCR', KEYS[2])
