
-- refund: gives back what an earlier consume spent (the cluster path's rollback when another
-- slot refused). KEYS: counter keys; ARGV: now, slack, then six per call. Returns the count.
local now = tonumber(ARGV[1])
local slack = tonumber(ARGV[2])
for i = 1, #KEYS do
  local alg, cost, a, b, c, d = call_args(2, i)
  refund(alg, KEYS[i], now, cost, a, b, c, d, slack)
end
return #KEYS
