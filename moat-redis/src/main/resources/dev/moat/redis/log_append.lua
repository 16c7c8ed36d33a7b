-- log_append: adds one entry to a subject's violation log (a stream), capped at MAXLEN ~ cap.
-- KEYS[1]: the stream; KEYS[2], when given (standalone): the global sequence counter.
-- ARGV: atMillis, cap, seq (used when there is no KEYS[2]), then field/value pairs.
-- The entry id is "<at>-*", so trimming by MINID follows the entries' own time. When the stream
-- already holds a later id (another node's clock is ahead), the entry takes the next id after it.
-- Returns {id, seq}.
local seq = ARGV[3]
if #KEYS > 1 then
  seq = tostring(redis.call('INCR', KEYS[2]))
end
local function add(id)
  return pcall(redis.call, 'XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], id, 'seq', seq, unpack(ARGV, 4))
end
local ok, id = add(ARGV[1] .. '-*')
if ok then
  return {id, seq}
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
for i = 1, #info, 2 do
  if info[i] == 'last-generated-id' then
    local ms = string.match(info[i + 1], '^(%d+)-')
    ok, id = add(ms .. '-*')
    if ok then
      return {id, seq}
    end
  end
end
ok, id = add('*')
if not ok then
  return redis.error_reply(tostring(id))
end
return {id, seq}
