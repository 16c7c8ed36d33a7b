-- log_prune: drops a subject's log entries older than ARGV[1] ms; deletes the stream when empty.
local n = redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
if redis.call('XLEN', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
end
return n
