-- max_set: keeps the larger of the stored instant and ARGV[1] (token revocations: the latest
-- call wins if later). ARGV[2]: time to live (ms) for the key, or '0' for none. Returns the stored value.
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cur) >= tonumber(ARGV[1]) then
  return cur
end
if ARGV[2] == '0' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return ARGV[1]
