import { createHash } from 'node:crypto';

/**
 * CacheStore.transact as one Lua script, so Redis runs the checks and the writes with nothing in
 * between. KEYS: the condition keys, then the write keys. ARGV[1]: the number of conditions; then
 * per condition a flag ('1' present with ARGV value, '0' absent) and the expected bytes; then per
 * write a mode ('s' set, 'd' delete), a TTL in ms ('0' none) and the value. Values are Lua strings,
 * which are byte strings: binary-safe.
 */
export const TRANSACT_LUA = `
local conditions = tonumber(ARGV[1])
local a = 2
for i = 1, conditions do
  local current = redis.call('GET', KEYS[i])
  if ARGV[a] == '1' then
    if current ~= ARGV[a + 1] then return 0 end
  elseif current then
    return 0
  end
  a = a + 2
end
for i = conditions + 1, #KEYS do
  local mode, ttl = ARGV[a], tonumber(ARGV[a + 1])
  if mode == 'd' then
    redis.call('DEL', KEYS[i])
  elseif ttl > 0 then
    redis.call('SET', KEYS[i], ARGV[a + 2], 'PX', ttl)
  else
    redis.call('SET', KEYS[i], ARGV[a + 2])
  end
  a = a + 3
end
return 1
`;

export const TRANSACT_SHA = createHash('sha1').update(TRANSACT_LUA).digest('hex');
