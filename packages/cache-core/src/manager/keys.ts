/**
 * `generateCacheKey(endpoint, params)`: one deterministic cache key per request.
 *
 * - No params (or none defined): the endpoint itself: `/api/users/123`.
 * - Otherwise `endpoint|name=value&name=value` with names sorted: `/api/users|filter=active&id=123`.
 *   Strings, numbers and booleans are written as they are; `null` as `null`; undefined params are
 *   left out; nested objects and arrays as JSON with object keys sorted at every depth (stable
 *   whatever the insertion order); Dates as ISO strings; other objects with a `toJSON` (a URL, a
 *   Buffer) as what it returns, as JSON.stringify does; BigInts as digits. A value is thus written
 *   as its text, as in a query string: a value and a string holding that same text share a key
 *   (`123` and `'123'`, `true` and `'true'`, `null` and `'null'`, `[1]` and `'[1]'`, a Date and its
 *   ISO string). `%`, `&`, `=` and `|` inside names and values are percent-encoded, so params whose
 *   names or texts differ never produce the same key. An endpoint may not contain
 *   `|` (an InvalidArgumentError: URLs percent-encode it), so no endpoint reads as endpoint + params.
 * - A key longer than `MAX_CACHE_KEY_LENGTH` (250 characters, memcached's limit) becomes
 *   `endpoint|hash:<sha256 hex of the parameter part>` (endpoint + 70 characters).
 */
import { sha256Hex } from '../sha256.js';
import { InvalidArgumentError } from './errors.js';

export const MAX_CACHE_KEY_LENGTH = 250;

export type CacheKeyParams = Readonly<Record<string, unknown>>;

/** A UTF-16 surrogate without its pair: UTF-8 (a hashed key, a Redis key) turns every one into U+FFFD. */
const LONE_SURROGATE_SOURCE = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const LONE_SURROGATE = new RegExp(LONE_SURROGATE_SOURCE);
const SPECIAL = new RegExp(`[%&=|]|${LONE_SURROGATE_SOURCE}`, 'g');
/**
 * `%XX` for the separators; `%uXXXX` for a lone surrogate, so that two params differing only in
 * one still differ once the key is UTF-8 (hashed, or sent to Redis). A `%` of the text is always
 * `%25`, so neither can be mistaken for text.
 */
const escapePart = (text: string) =>
  text.replace(SPECIAL, (c) => {
    const code = c.charCodeAt(0);
    return code >= 0xd800 ? `%u${code.toString(16).toUpperCase()}` : `%${code.toString(16).toUpperCase()}`;
  });

/**
 * The `toJSON` of an object that has one (a URL, a Buffer, a Decimal…), as JSON.stringify uses it.
 * Such objects often keep their data out of their own enumerable properties (a URL has none):
 * read field by field, every URL would be written as {} and all would share one key.
 */
function toJsonOf(value: object, name: string): { json: unknown } | undefined {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  return typeof toJSON === 'function' ? { json: (toJSON as (key: string) => unknown).call(value, name) } : undefined;
}

/**
 * `name`: the property holding `value` (what toJSON is given); `viaToJson`: `value` came from a
 * toJSON, not called again (as JSON.stringify); `ancestors`: the objects being encoded around
 * `value` (a cycle is refused, where it would otherwise overflow the stack).
 */
function stableJson(value: unknown, path: string, name = '', viaToJson = false, ancestors: object[] = []): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return isoDate(value, path);
  if (value instanceof Map || value instanceof Set || value instanceof RegExp) {
    // Object.keys sees no data in these: every Map would be written as {} and share one key.
    throw new InvalidArgumentError(path, `a ${value.constructor.name} cannot be part of a cache key; convert it to an object or an array`);
  }
  if (typeof value === 'object' && !viaToJson) {
    const converted = toJsonOf(value, name);
    if (converted) return converted.json === undefined ? null : stableJson(converted.json, path, name, true, ancestors);
  }
  if (typeof value === 'object') {
    if (ancestors.includes(value)) throw new InvalidArgumentError(path, 'refers back to an object that contains it (a cycle), which cannot be part of a cache key');
    ancestors.push(value);
    try {
      if (Array.isArray(value)) return value.map((v, i) => (v === undefined ? null : stableJson(v, `${path}[${i}]`, String(i), false, ancestors)));
      const out: Record<string, unknown> = {};
      for (const field of Object.keys(value).sort()) {
        const v = (value as Record<string, unknown>)[field];
        if (v !== undefined) out[field] = stableJson(v, `${path}.${field}`, field, false, ancestors);
      }
      return out;
    } finally {
      ancestors.pop();
    }
  }
  throw new InvalidArgumentError(path, `a ${typeof value} cannot be part of a cache key; pass data (strings, numbers, objects)`);
}

function isoDate(date: Date, path: string): string {
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError(path, 'is an invalid Date; pass a valid Date or leave the param out');
  return date.toISOString();
}

function encodeValue(value: unknown, name: string, viaToJson = false): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value instanceof Date) return isoDate(value, `params.${name}`);
  if (typeof value === 'object' && !viaToJson) {
    // A URL is written as its href, as a Date is as its ISO string.
    const converted = toJsonOf(value, name);
    if (converted) return converted.json === undefined ? 'null' : encodeValue(converted.json, name, true);
  }
  return JSON.stringify(stableJson(value, `params.${name}`, name, viaToJson));
}

export function generateCacheKey(endpoint: string, params?: CacheKeyParams | null): string {
  if (typeof endpoint !== 'string') throw new InvalidArgumentError('endpoint', `must be a string, got ${typeof endpoint}`);
  if (endpoint.includes('|')) {
    // The first "|" ends the endpoint: "/a|x=1" alone and ("/a", { x: 1 }) would share a key.
    throw new InvalidArgumentError('endpoint', `"${endpoint.length > 80 ? `${endpoint.slice(0, 80)}…` : endpoint}" contains "|", which separates the endpoint from its parameters in a cache key; percent-encode it (%7C), as a URL must`);
  }
  if (LONE_SURROGATE.test(endpoint)) {
    // In UTF-8 it would read as U+FFFD: another endpoint's key once hashed or stored in Redis.
    throw new InvalidArgumentError('endpoint', 'contains a lone UTF-16 surrogate (not text a URL can hold); percent-encode the endpoint');
  }
  let query = '';
  if (params) {
    for (const name of Object.keys(params).sort()) {
      const value = params[name];
      if (value === undefined) continue;
      const part = `${escapePart(name)}=${escapePart(encodeValue(value, name))}`;
      query = query === '' ? part : `${query}&${part}`;
    }
  }
  if (query === '') {
    return endpoint.length > MAX_CACHE_KEY_LENGTH ? `hash:${sha256Hex(endpoint)}` : endpoint;
  }
  const key = `${endpoint}|${query}`;
  if (key.length <= MAX_CACHE_KEY_LENGTH) return key;
  const hashed = `${endpoint}|hash:${sha256Hex(query)}`;
  return hashed.length <= MAX_CACHE_KEY_LENGTH ? hashed : `hash:${sha256Hex(key)}`;
}
