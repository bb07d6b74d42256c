/**
 * 64-bit context fingerprints (two independent 32-bit halves) for "these `order` keys, most
 * recent first, in this scope". The order-o hash extends the order-(o-1) one by one key, so all
 * orders of a history are hashed in one pass. A false match needs both halves to collide.
 */

/** Scope seeds: statistics shared by all sessions, or kept per session. */
export const SHARED_SCOPE = 0x3c6ef372;
export const SESSION_SCOPE = 0x5be0cd19;
/** Scope of lookahead ("within the next W requests") statistics. */
export const LOOKAHEAD_SCOPE = 0x1f83d9ab;
/** Scope of position contexts ((requests the session made so far, current key), shared). */
export const POSITION_SCOPE = 0x6a09e667;
/** Scope of unordered contexts (the set of the last u keys, hashed order-independently; shared). */
export const UNORDERED_SCOPE = 0x510e527f;
/** Scope of skip contexts ((lag d, the key d requests back); shared). */
export const SKIP_SCOPE = 0x9b05688c;
/** Scope of referrer contexts (the page a request came from: its assets share it; shared). */
export const REFERRER_SCOPE = 0x1f83d9ac;

/** murmur3 fmix32 */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export function seedA(scope: number, session: number): number {
  return fmix(scope ^ Math.imul(session + 1, 0x9e3779b1));
}

export function seedB(scope: number, session: number): number {
  return fmix(Math.imul(scope, 0x27d4eb2f) + Math.imul(session + 1, 0x165667b1));
}

export function extendA(h: number, key: number, order: number): number {
  return fmix(Math.imul(h ^ key, 0xcc9e2d51) + order);
}

export function extendB(h: number, key: number, order: number): number {
  return fmix(Math.imul(h + key, 0x1b873593) ^ Math.imul(order, 0xe6546b64));
}
