
-- slice_return: gives the unspent part of a lapsed slice back to the global budget.
-- KEYS[1]: the global counter. ARGV: now, slack, units, hint, six call arguments.
-- GCRA refunds like any request. A window gives units back only to the window (fixed) or the
-- bucket (sliding) they were taken from: once that has closed, nothing is owed.
local key = KEYS[1]
local now = tonumber(ARGV[1])
local slack = tonumber(ARGV[2])
local units = tonumber(ARGV[3])
local hint = tonumber(ARGV[4])
local alg, cost, a, b, c, d = call_args(4, 1)
local raw = redis.call('GET', key)
if alg == 'g' then
  gcra_refund(key, raw, now, units, a, b, slack)
elseif alg == 'f' then
  local e, u = fixed_parse(raw)
  if e ~= nil and e == hint and now < e then
    local used = u - units
    if used <= 0 then
      fixed_write(key, {now, 0}, now, slack)
    else
      fixed_write(key, {e, used}, now, slack)
    end
  end
else
  local st = sw_parse(raw, c)
  if st ~= nil then
    local s = sw_rolled(st, now, b, c)
    if hint <= s[2] and hint > s[2] - c then
      local slot = sw_slot(hint, c)
      local take = s[slot]
      if units < take then
        take = units
      end
      s[slot] = s[slot] - take
      s[1] = now + sw_until_empty(s, now, b, c)
      sw_write(key, s, now, c, slack)
    end
  end
end
return 1
