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
 * `exp` up to the server's clock, and a get that finds an indexed entry gone has RECONCILE drop its row.
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

-- Rows of a key that has no size row (an index half deleted: an older clear() that unlinked the
-- index keys one by one while another client set, or a DEL by hand). drop() does not see such a
-- key; every walk over an index removes it with this (nothing counted), so that the walk
-- advances instead of finding the same row again forever.
local function drop_orphan(key)
  redis.call('ZREM', lru, key)
  redis.call('ZREM', exp, key)
  redis.call('SREM', pf, key)
  redis.call('DEL', eprefix .. key)
end

local function is_expired(key)
  local e = redis.call('ZSCORE', exp, key)
  return e and tonumber(e) <= now_ms
end

local function reclaim(limit)
  local expired = redis.call('ZRANGEBYSCORE', exp, '-inf', fmt(now_ms), 'LIMIT', 0, limit)
  for i = 1, #expired do
    if drop(expired[i], 'expirations') == 0 then drop_orphan(expired[i]) end
  end
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
 * The index half of a batch of gets; the client reads the entries themselves with one plain
 * MGET of the same slot, sent right behind this call (values never pass through Lua).
 * ARGV[2..] = keys. Gives every key a new recency score in call order with one ZADD XX CH:
 * XX leaves keys that are not indexed alone, and since each new score is above every score in
 * the index, CH counts exactly the keys that are indexed.
 * Returns 1 when every key is indexed and none is an unread prefetch (the common case);
 * otherwise one code per key: 0 not indexed (a miss, whatever sits under the entry's name),
 * 1 indexed, 2 indexed and an unread prefetch whose entry is there: reported now, once even
 * when the key appears twice, and no longer unread. An indexed key whose entry the MGET does
 * not find goes to RECONCILE. Scores go to ZADD as Lua numbers: redis.call writes numbers with
 * 17 significant digits, exact for these integers (Lua's own tostring would round them).
 * Needs Redis >= 6.2 (SMISMEMBER).
 */
export const TOUCH = `${PRELUDE}
local n = #ARGV - 1
local score = first_score()
local touch = {}
for i = 1, n do
  touch[2 * i - 1] = score + i
  touch[2 * i] = ARGV[i + 1]
end
local all_indexed = redis.call('ZADD', lru, 'XX', 'CH', unpack(touch)) == n
local any_unread = redis.call('EXISTS', pf) == 1
if all_indexed and not any_unread then return 1 end
local indexed = nil
if not all_indexed then indexed = redis.call('HMGET', sz, unpack(ARGV, 2, n + 1)) end
local unread = nil
if any_unread then unread = redis.call('SMISMEMBER', pf, unpack(ARGV, 2, n + 1)) end
local out, reported = {}, nil
for i = 1, n do
  local code = 0
  if all_indexed or indexed[i] then
    code = 1
    if unread and unread[i] == 1 then
      local key = ARGV[i + 1]
      reported = reported or {}
      if not reported[key] and redis.call('TYPE', eprefix .. key)['ok'] == 'string' then
        reported[key] = true
        code = 2
      end
    end
  end
  out[i] = code
end
if reported then
  local read = {}
  for key in pairs(reported) do read[#read + 1] = key end
  redis.call('SREM', pf, unpack(read))
end
return out
`;

/**
 * ARGV[2..] = keys that TOUCH found indexed but whose entry the MGET did not return. Returns
 * one code per key: -1 when a value of another Redis type sits under the entry's name (it is
 * removed), else 0. An entry gone by its TTL is dropped from the index as an expiration, one
 * removed behind the backend (maxmemory eviction, DEL) as an eviction; one written again
 * meanwhile is left alone; one no longer in sz loses any rows (and value) left behind.
 */
export const RECONCILE = `${PRELUDE}
local out = {}
for i = 2, #ARGV do
  local key = ARGV[i]
  local code = 0
  if redis.call('HEXISTS', sz, key) == 1 then
    local kind = redis.call('TYPE', eprefix .. key)['ok']
    if kind == 'none' then
      if is_expired(key) then drop(key, 'expirations') else drop(key, 'evictions') end
    elseif kind ~= 'string' then
      drop(key, 'evictions')
      code = -1
    end
  else
    drop_orphan(key)
  end
  out[i - 1] = code
end
return out
`;

/**
 * ARGV[2] maxEntries (0 = none), ARGV[3] maxBytes (0 = none), ARGV[4] '1' when no key appears
 * twice, ARGV[5] '1' when no entry has a TTL, ARGV[6] the sum of the value sizes; then n
 * entries as columns: n keys, n (entry key, envelope) pairs, n sizes (value bytes counted),
 * n ttls in ms (0 = none), n prefetched flags ('1'/'0'). The client lays the arguments out so
 * that the common case hands whole ranges of ARGV to HMGET and MSET, with no per-entry string
 * building in Lua. Returns 1 (stored) or 0 (refused: larger than maxBytes; an entry already
 * stored under that key is removed, as it is no longer current) per entry.
 */
export const SET_MANY = `${PRELUDE}
local any_expiring = redis.call('EXISTS', exp) == 1
if any_expiring then reclaim(16) end
local any_prefetched = redis.call('EXISTS', pf) == 1
local max_entries, max_bytes = tonumber(ARGV[2]), tonumber(ARGV[3])
local capped = max_entries > 0 or max_bytes > 0
local n = (#ARGV - 6) / 6
local K, W, S, T, P = 6, 6 + n, 6 + 3 * n, 6 + 4 * n, 6 + 5 * n
local score = first_score()
local bytes, wasted, expired = 0, 0, 0
local out = {}
if not capped and ARGV[4] == '1' then
  -- No capacity limit and no key twice: the entries do not interact, so one command of each
  -- kind serves the whole call (HMGET, MSET, HSET, ZADD …) instead of several per entry.
  local no_ttl = ARGV[5] == '1'
  local olds = redis.call('HMGET', sz, unpack(ARGV, K + 1, K + n))
  local sizes, ranks, expiring, replaced, prefetched = {}, {}, {}, {}, {}
  local ns, ne, nx, nf = 0, 0, 0, 0
  for j = 1, n do
    local key = ARGV[K + j]
    local old = olds[j]
    if old then
      bytes = bytes - tonumber(old)
      nx = nx + 1
      replaced[nx] = key
    end
    -- Both are strings, and Lua interns strings: an unchanged size is one pointer comparison.
    if old ~= ARGV[S + j] then
      sizes[ns + 1] = key
      sizes[ns + 2] = ARGV[S + j]
      ns = ns + 2
    end
    ranks[2 * j - 1] = score
    ranks[2 * j] = key
    score = score + 1
    if ARGV[P + j] == '1' then
      nf = nf + 1
      prefetched[nf] = key
    end
    if not no_ttl and ARGV[T + j] ~= '0' then
      local ttl = tonumber(ARGV[T + j])
      expiring[ne + 1] = now_ms + ttl
      expiring[ne + 2] = key
      ne = ne + 2
    end
    out[j] = 1
  end
  bytes = bytes + tonumber(ARGV[6])
  -- Replaced entries: an old expiry row goes (counted as expired when already past), an
  -- unread prefetch counts as wasted. Before the new rows below are written.
  if nx > 0 then
    if any_expiring then
      local old_expiry = redis.call('ZMSCORE', exp, unpack(replaced))
      local gone, ng = {}, 0
      for r = 1, nx do
        local e = old_expiry[r]
        if e then
          ng = ng + 1
          gone[ng] = replaced[r]
          if tonumber(e) <= now_ms then expired = expired + 1 end
        end
      end
      if ng > 0 then redis.call('ZREM', exp, unpack(gone)) end
    end
    if any_prefetched then wasted = wasted + redis.call('SREM', pf, unpack(replaced)) end
  end
  -- SET / MSET replace any old value (of any type) and its TTL.
  if no_ttl then
    redis.call('MSET', unpack(ARGV, W + 1, W + 2 * n))
  else
    local plain, np = {}, 0
    for j = 1, n do
      local ttl = ARGV[T + j]
      if ttl == '0' then
        plain[np + 1] = ARGV[W + 2 * j - 1]
        plain[np + 2] = ARGV[W + 2 * j]
        np = np + 2
      else
        redis.call('SET', ARGV[W + 2 * j - 1], ARGV[W + 2 * j], 'PX', ttl)
      end
    end
    if np > 0 then redis.call('MSET', unpack(plain)) end
  end
  if ns > 0 then redis.call('HSET', sz, unpack(sizes)) end
  if ne > 0 then redis.call('ZADD', exp, unpack(expiring)) end
  redis.call('ZADD', lru, unpack(ranks))
  if nf > 0 then redis.call('SADD', pf, unpack(prefetched)) end
else
  -- One entry after the other, each evicting what no longer fits before the next.
  for j = 1, n do
    local key, ekey, envelope = ARGV[K + j], ARGV[W + 2 * j - 1], ARGV[W + 2 * j]
    local size, ttl = tonumber(ARGV[S + j]), tonumber(ARGV[T + j])
    if max_bytes > 0 and size > max_bytes then
      -- Refused: an older value under this key would otherwise be read as if it were current.
      if is_expired(key) then drop(key, 'expirations') else drop(key) end
      out[j] = 0
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
        redis.call('SET', ekey, envelope, 'PX', ttl)
        redis.call('ZADD', exp, now_ms + ttl, key)
        any_expiring = true
      else
        redis.call('SET', ekey, envelope)
      end
      if old ~= size then redis.call('HSET', sz, key, size) end
      bytes = bytes + size
      redis.call('ZADD', lru, score, key)
      score = score + 1
      if ARGV[P + j] == '1' then
        redis.call('SADD', pf, key)
        any_prefetched = true
      end
      if capped then
        redis.call('HINCRBY', st, 'bytes', bytes)
        bytes = 0
        while (max_entries > 0 and redis.call('ZCARD', lru) > max_entries)
          or (max_bytes > 0 and tonumber(redis.call('HGET', st, 'bytes')) > max_bytes) do
          local oldest = redis.call('ZRANGE', lru, 0, 0)[1]
          if oldest == nil or oldest == key then
            -- Only the entry just written is left and it fits, yet the byte count is over the
            -- limit: the counter is off (an index half deleted). Recount it from sz and stop,
            -- rather than evict the new entry or fail on an empty index.
            local total = 0
            for _, s in ipairs(redis.call('HVALS', sz)) do total = total + tonumber(s) end
            redis.call('HSET', st, 'bytes', total)
            break
          end
          -- One already past its TTL (more than reclaim(16) took) expired rather than was evicted.
          if drop(oldest, is_expired(oldest) and 'expirations' or 'evictions') == 0 then drop_orphan(oldest) end
        end
      end
      out[j] = 1
    end
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
local evicted = 0
for i = 1, #victims do
  if drop(victims[i], 'evictions') == 1 then evicted = evicted + 1 else drop_orphan(victims[i]) end
end
return evicted
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
  cachelabTouch: TOUCH,
  cachelabReconcile: RECONCILE,
  cachelabSetMany: SET_MANY,
  cachelabDeleteMany: DELETE_MANY,
  cachelabEvictOldest: EVICT_OLDEST,
  cachelabStats: STATS,
  cachelabRange: RANGE,
} as const;
