-- log_append: adds one entry to a subject's violation log (a stream), capped at MAXLEN ~ cap.
-- KEYS[1]: the stream. ARGV: atMillis, cap, then field/value pairs. The entry id is "<at>-*", so
-- trimming by MINID follows the entries' own time; when another node already wrote a later id
-- (clock skew), Redis picks the next id itself. Returns the id.
local ok, id = pcall(redis.call, 'XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], ARGV[1] .. '-*', unpack(ARGV, 3))
if ok then
  return id
end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
