-- ban_remove: a replayed unban. KEYS[1]: the ban hash. ARGV[1]: when the unban was made.
-- Lifts the ban only if it was created no later than that; returns 1 when it did.
local cur = redis.call('HGET', KEYS[1], 'created')
if cur and tonumber(cur) <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
