/**
 * Lua scripts of the Redis backend. Each runs atomically on the server, so an entry and the
 * index that counts it never disagree.
 *
 * Layout of one shard (all keys share the hash tag `{<prefix><n>}`, hence one cluster slot):
 *   KEYS[1] lru  sorted set   member = cache key, score = recency (server µs, strictly increasing per shard)
 *   KEYS[2] sz   hash         cache key → value size in bytes (the membership index)
 *   KEYS[3] exp  sorted set   cache key → absolute expiry (server ms), only for entries with a TTL
 *   KEYS[4] pf   set          prefetched entries not read yet
 *   KEYS[5] st   hash         counters: bytes, evictions, expirations, wasted
 *   entry        string       `<prefix>{<prefix><n>}:e:<key>` = envelope (redis-entry.ts: header,
 *                             metadata, signature, value), PX = TTL
 * ARGV[1] is always the entry key prefix `<prefix>{<prefix><n>}:e:`. Entry keys are built here,
 * not declared in KEYS; this is allowed because they hash to the same slot as the index keys.
 *
 * Redis expires entry keys by itself (PX); the index learns about it lazily: `reclaim` walks
 * `exp` up to the server's clock, and `get` drops index rows whose entry has vanished.
 * Every index update is O(log n) in the shard's size.
 */

const PRELUDE = `
local lru, sz, exp, pf, st = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local eprefix = ARGV[1]
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- Integers beyond 1e14 lose digits in Lua's default number formatting.
local function fmt(n) return string.format('%.0f', n) end

local function drop(key, counter)
  local size = redis.call('HGET', sz, key)
  if not size then return 0 end
  redis.call('HDEL', sz, key)
  redis.call('ZREM', lru, key)
  redis.call('ZREM', exp, key)
  redis.call('DEL', eprefix .. key)
  redis.call('HINCRBY', st, 'bytes', -tonumber(size))
  if redis.call('SREM', pf, key) == 1 then redis.call('HINCRBY', st, 'wasted', 1) end
  if counter then redis.call('HINCRBY', st, counter, 1) end
  return 1
end

local function is_expired(key)
  local e = redis.call('ZSCORE', exp, key)
  return e and tonumber(e) <= now_ms
end

local function reclaim(limit)
  local expired = redis.call('ZRANGEBYSCORE', exp, '-inf', fmt(now_ms), 'LIMIT', 0, limit)
  for i = 1, #expired do drop(expired[i], 'expirations') end
  return #expired
end

-- Recency: the server clock in µs, bumped past the newest score so order is strict.
local function first_score()
  local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local top = redis.call('ZREVRANGE', lru, 0, 0, 'WITHSCORES')
  if top[2] and tonumber(top[2]) >= now_us then return tonumber(top[2]) + 1 end
  return now_us
end
`;

/**
 * ARGV[2..] = keys. Returns one item per key: the stored envelope on a hit, the envelope
 * wrapped in a one-element array on a hit that was an unread prefetch, 0 on a miss, -1 when a
 * foreign value of another Redis type sat under the entry's name (it is removed).
 * A handful of multi-key commands per call, whatever the number of keys (ZMSCORE, MGET,
 * SMISMEMBER, ZADD XX, SREM); needs Redis >= 6.2.
 */
export const GET_MANY = `${PRELUDE}
local n = #ARGV - 1
local keys, ekeys = {}, {}
for i = 1, n do
  keys[i] = ARGV[i + 1]
  ekeys[i] = eprefix .. ARGV[i + 1]
end
local indexed = redis.call('ZMSCORE', lru, unpack(keys))
local values = redis.call('MGET', unpack(ekeys))
local unread = nil
if redis.call('EXISTS', pf) == 1 then unread = redis.call('SMISMEMBER', pf, unpack(keys)) end
local score = first_score()
local touch, reported, out = {}, {}, {}
for i = 1, n do
  local key, v, item = keys[i], values[i], 0
  if indexed[i] and v then
    touch[#touch + 1] = fmt(score)
    touch[#touch + 1] = key
    score = score + 1
    -- A prefetch is reported once, even when the key appears twice in one call.
    if unread and unread[i] == 1 and not reported[key] then
      reported[key] = true
      item = {v}
    else
      item = v
    end
  elseif indexed[i] then
    -- MGET gives nil for a vanished entry and for a value of another type.
    if redis.call('TYPE', ekeys[i])['ok'] ~= 'none' then
      drop(key, 'evictions')
      item = -1
    elseif is_expired(key) then
      -- Expired by Redis.
      drop(key, 'expirations')
    else
      -- Removed by someone else (maxmemory eviction, DEL).
      drop(key, 'evictions')
    end
  end
  out[i] = item
end
if #touch > 0 then redis.call('ZADD', lru, 'XX', unpack(touch)) end
local read = {}
for key in pairs(reported) do read[#read + 1] = key end
if #read > 0 then redis.call('SREM', pf, unpack(read)) end
return out
`;

/**
 * ARGV[2] maxEntries (0 = none), ARGV[3] maxBytes (0 = none), then 5 items per entry:
 * key, envelope, size (value bytes counted), ttl ms (0 = none), prefetched '1'/'0'.
 * Returns 1 (stored) or 0 (refused: larger than maxBytes) per entry.
 */
export const SET_MANY = `${PRELUDE}
local any_expiring = redis.call('EXISTS', exp) == 1
if any_expiring then reclaim(16) end
local any_prefetched = redis.call('EXISTS', pf) == 1
local max_entries, max_bytes = tonumber(ARGV[2]), tonumber(ARGV[3])
local capped = max_entries > 0 or max_bytes > 0
local score = first_score()
local bytes, wasted, expired = 0, 0, 0
local out = {}
for i = 4, #ARGV, 5 do
  local key, envelope = ARGV[i], ARGV[i + 1]
  local size, ttl = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  if max_bytes > 0 and size > max_bytes then
    out[#out + 1] = 0
  else
    -- Replacing: the old bytes leave the count, an unread prefetch counts as wasted, an old
    -- entry already past its TTL counts as expired.
    local old = redis.call('HGET', sz, key)
    if old then
      old = tonumber(old)
      bytes = bytes - old
      if any_expiring then
        local e = redis.call('ZSCORE', exp, key)
        if e then
          redis.call('ZREM', exp, key)
          if tonumber(e) <= now_ms then expired = expired + 1 end
        end
      end
      if any_prefetched then wasted = wasted + redis.call('SREM', pf, key) end
    end
    -- SET replaces any old value (of any type) and its TTL.
    if ttl > 0 then
      redis.call('SET', eprefix .. key, envelope, 'PX', ttl)
      redis.call('ZADD', exp, fmt(now_ms + ttl), key)
      any_expiring = true
    else
      redis.call('SET', eprefix .. key, envelope)
    end
    if old ~= size then redis.call('HSET', sz, key, size) end
    bytes = bytes + size
    redis.call('ZADD', lru, fmt(score), key)
    score = score + 1
    if ARGV[i + 4] == '1' then
      redis.call('SADD', pf, key)
      any_prefetched = true
    end
    if capped then
      redis.call('HINCRBY', st, 'bytes', bytes)
      bytes = 0
      while (max_entries > 0 and redis.call('ZCARD', lru) > max_entries)
        or (max_bytes > 0 and tonumber(redis.call('HGET', st, 'bytes')) > max_bytes) do
        drop(redis.call('ZRANGE', lru, 0, 0)[1], 'evictions')
      end
    end
    out[#out + 1] = 1
  end
end
-- Counters once per call rather than once per entry.
if bytes ~= 0 then redis.call('HINCRBY', st, 'bytes', bytes) end
if wasted > 0 then redis.call('HINCRBY', st, 'wasted', wasted) end
if expired > 0 then redis.call('HINCRBY', st, 'expirations', expired) end
return out
`;

/**
 * ARGV[2] counter to increment per removed entry ('' for a plain delete, 'evictions' for
 * evictKeys), ARGV[3..] keys. Returns how many live entries were removed.
 */
export const DELETE_MANY = `${PRELUDE}
local counter = ARGV[2]
if counter == '' then counter = nil end
local removed = 0
for i = 3, #ARGV do
  local key = ARGV[i]
  if is_expired(key) then drop(key, 'expirations') else removed = removed + drop(key, counter) end
end
return removed
`;

/**
 * ARGV[2] count, ARGV[3] highest recency score to evict ('+inf' for no bound). Reclaims expired
 * entries first (they are expirations, not evictions). Returns how many were evicted.
 */
export const EVICT_OLDEST = `${PRELUDE}
reclaim(1000)
local victims = redis.call('ZRANGEBYSCORE', lru, '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #victims do drop(victims[i], 'evictions') end
return #victims
`;

/**
 * Reclaims up to 1000 expired entries, then returns
 * {more expired waiting (0/1), entries, bytes, evictions, expirations, wasted}.
 */
export const STATS = `${PRELUDE}
reclaim(1000)
local more = redis.call('ZCOUNT', exp, '-inf', fmt(now_ms)) > 0 and 1 or 0
local c = redis.call('HMGET', st, 'bytes', 'evictions', 'expirations', 'wasted')
return {more, redis.call('ZCARD', lru), tonumber(c[1] or 0), tonumber(c[2] or 0), tonumber(c[3] or 0), tonumber(c[4] or 0)}
`;

/**
 * ARGV[2] limit (-1 = all). Reclaims up to 1000 expired entries, then returns
 * {more expired waiting (0/1), key1, score1, key2, score2, …} from least to most recently used.
 */
export const RANGE = `${PRELUDE}
reclaim(1000)
local more = redis.call('ZCOUNT', exp, '-inf', fmt(now_ms)) > 0 and 1 or 0
local limit = tonumber(ARGV[2])
local rows = redis.call('ZRANGE', lru, 0, limit < 0 and -1 or limit - 1, 'WITHSCORES')
table.insert(rows, 1, more)
return rows
`;

/** Number of index keys passed as KEYS to every script. */
export const INDEX_KEY_COUNT = 5;

export const SCRIPTS = {
  cachelabGetMany: GET_MANY,
  cachelabSetMany: SET_MANY,
  cachelabDeleteMany: DELETE_MANY,
  cachelabEvictOldest: EVICT_OLDEST,
  cachelabStats: STATS,
  cachelabRange: RANGE,
} as const;
