import { createHash } from 'node:crypto';

/**
 * PEXPIRE of many keys in one command: KEYS the keys, ARGV[1] the TTL in ms; returns how many
 * existed (and so got the TTL). RedisCache.expirePrefix sends one per SCAN page, where one PEXPIRE
 * per key (even pipelined) cost the client as much as writing the version: retiring the previous
 * version is part of every publish.
 */
export const EXPIRE_LUA = `
local ttl = ARGV[1]
local set = 0
for i = 1, #KEYS do
  set = set + redis.call('PEXPIRE', KEYS[i], ttl)
end
return set
`;

export const EXPIRE_SHA = createHash('sha1').update(EXPIRE_LUA).digest('hex');
