import { LuaScript } from './lua.ts';

/**
 * Redis side of the {@link RunStore}. Every script touches one run's keys (one cluster slot, see `runKey`)
 * atomically. Counting the last shard does not end a run: {@link FINISH} does, once its manifest is written, so
 * "completed" always means every file is in place.
 *
 * Run hash fields: spec (JSON), status, listed (0/1), shardsTotal, imagesTotal, shardsDone, shardsFailed, imagesDone,
 * imagesFailed, shardMs, startedAt, updatedAt, finishedAt, error (why a run failed as a whole), embedDim.
 */

/**
 * KEYS: run. ARGV: spec JSON, now. Returns 1 if created, 0 if it existed. The run indexes are updated apart (ZADD NX):
 * they are global keys, in another cluster slot than the run's.
 */
export const CREATE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'spec', ARGV[1], 'status', 'listing', 'listed', '0', 'shardsTotal', 0, 'imagesTotal', 0,
  'shardsDone', 0, 'shardsFailed', 0, 'imagesDone', 0, 'imagesFailed', 0, 'shardMs', 0,
  'startedAt', ARGV[2], 'updatedAt', ARGV[2])
return 1
`);

/** KEYS: run. ARGV: shards, images, now. Returns the run hash (flat), or false if the run does not exist. */
export const SET_LISTED = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'listed', '1', 'shardsTotal', ARGV[1], 'imagesTotal', ARGV[2], 'updatedAt', ARGV[3])
if redis.call('HGET', KEYS[1], 'status') == 'listing' then redis.call('HSET', KEYS[1], 'status', 'running') end
return redis.call('HGETALL', KEYS[1])
`);

/**
 * KEYS: run, done set, failed hash. ARGV: shard, images, failed images, ms, now, embedDim. Counts a shard once: SADD
 * to the done set decides whether this is the first completion; a shard that had failed before stops counting as failed.
 */
export const SHARD_DONE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'shardsDone', 1)
  redis.call('HINCRBY', KEYS[1], 'imagesDone', ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'imagesFailed', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'shardMs', ARGV[4])
  if redis.call('HDEL', KEYS[3], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'shardsFailed', -1) end
end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'embedDim', ARGV[6]) end
return redis.call('HGETALL', KEYS[1])
`);

/** KEYS: run, done set, failed hash. ARGV: shard, error, now. A shard already done is never counted as failed. */
export const SHARD_FAILED = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then
  if redis.call('HSET', KEYS[3], ARGV[1], ARGV[2]) == 1 then redis.call('HINCRBY', KEYS[1], 'shardsFailed', 1) end
end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[3])
return redis.call('HGETALL', KEYS[1])
`);

/**
 * KEYS: run. ARGV: status, now, terminal (1/0), error ('' clears it). Returns the run hash (flat), or false if the run
 * does not exist.
 */
export const SET_STATUS = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[4]) else redis.call('HDEL', KEYS[1], 'error') end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'finishedAt', ARGV[2]) else redis.call('HDEL', KEYS[1], 'finishedAt') end
return redis.call('HGETALL', KEYS[1])
`);

/** KEYS: pending chunks, sealed manifest. ARGV: ttl seconds. Publishes the pending manifest (an empty one if none). */
export const SEAL_OBJECTS = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
else
  redis.call('DEL', KEYS[2])
  redis.call('RPUSH', KEYS[2], '')
end
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1
`);

/**
 * KEYS: run, failed hash. ARGV: now, shard... Forget the failures of shards being retried, so the run counts them as
 * outstanding again; a failed run becomes running. Returns the run hash (flat), or false if the run does not exist.
 */
export const REOPEN = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local cleared = 0
for i = 2, #ARGV do cleared = cleared + redis.call('HDEL', KEYS[2], ARGV[i]) end
if cleared > 0 then
  redis.call('HINCRBY', KEYS[1], 'shardsFailed', -cleared)
  if redis.call('HGET', KEYS[1], 'status') == 'failed' then
    redis.call('HSET', KEYS[1], 'status', 'running')
    redis.call('HDEL', KEYS[1], 'finishedAt')
  end
end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`);

/**
 * KEYS: run. ARGV: now, error ('' for none). Ends a listed, running run whose every shard is accounted for: `failed`
 * when a shard failed or an error is given (recorded as the run's error), else `completed`. Any other run is left as
 * it is. Returns the run hash (flat), or false if the run does not exist.
 */
export const FINISH = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local f = redis.call('HMGET', KEYS[1], 'status', 'listed', 'shardsTotal', 'shardsDone', 'shardsFailed')
local failed = tonumber(f[5])
if f[1] == 'running' and f[2] == '1' and tonumber(f[4]) + failed >= tonumber(f[3]) then
  local target = 'completed'
  if failed > 0 or ARGV[2] ~= '' then target = 'failed' end
  redis.call('HSET', KEYS[1], 'status', target, 'finishedAt', ARGV[1], 'updatedAt', ARGV[1])
  if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[2]) end
end
return redis.call('HGETALL', KEYS[1])
`);
