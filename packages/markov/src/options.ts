/**
 * Hyperparameters of a Markov predictor: one typed object, every field with a documented default
 * (CleanRL style). `resolveOptions` validates and fills defaults; bad values are a ConfigError.
 */
import { ConfigError } from '@cachelab/cache-core';

export type BlendMode = 'blend' | 'fallback';

export interface MarkovOptions {
  /** Longest context (PPM order k ≥ 1). 1 is a first-order chain. Default 1. */
  order: number;
  /**
   * How orders combine. `fallback`: the longest context seen before answers alone (PPM without
   * escapes). `blend`: every seen context of order 1..k votes, weighted by
   * `orderWeight^order · total/(total+1)` (longer and better-attested contexts count more). Default `blend`.
   */
  mode: BlendMode;
  /**
   * Reserve PPM-C escape mass for successors not seen yet: a state that saw `d` distinct successors
   * in `total` observations gives `count/(total + d)` instead of `count/total`. Probabilities then
   * mean "how sure", not only "which" (one observation → 0.5, ten identical ones → 10/11), which is
   * what a prefetch threshold needs. Rankings inside a state are unchanged. Default true.
   */
  escape: boolean;
  /** Base of the per-order weight in `blend` mode. Default 4. */
  orderWeight: number;
  /**
   * Also keep statistics per session (client) besides the ones shared by all sessions; in `blend`
   * they vote with weight × `sessionWeight`, in `fallback` they are tried first. Default false.
   */
  sessionStats: boolean;
  /** Weight of per-session statistics relative to shared ones (blend mode). Default 1. */
  sessionWeight: number;
  /**
   * Position contexts (0 = off, the default). With P > 0, requests that carry a session also
   * teach the context "(p, current key)", p = min(requests the session made before, P): where a
   * client is in its own stream (its first page and that page's assets, or deep in a crawl).
   * Shared by all sessions; it votes like an order-2 context (weight orderWeight²; in fallback
   * mode it is tried just before order 1). On apache_logs.log, P = 8 (chosen on the first half of
   * the log) adds 1.4 points of top-1 accuracy on the second half. At most 255.
   */
  positions: number;
  /**
   * Unordered contexts (0 = off, the default; else 2..8, blend mode only). With U ≥ 2, the *set*
   * of the session's last u keys (u = 2..U, order ignored, shared by all sessions) is a context
   * too, voting like an order-u context (weight orderWeight^u). A page's assets arrive in a slightly different order on every load (parallel
   * fetches complete out of order), so "these u assets, in any order" recurs where the exact
   * sequence does not. They add votes but never make a prediction on their own: the requests that
   * get a prediction are the same as without them. Next-request mode only (lookahead 1).
   */
  unordered: number;
  /**
   * Skip contexts (0 = off, the default; else 2..8, blend mode only). With S ≥ 2, "key d requests
   * back, d" predicts the next key too (d = 2..S, shared; weight orderWeight / 2^(d-1)): the request
   * that usually comes d steps after a key still counts when a swapped request sits in between.
   * Votes only, like `unordered`. Next-request mode only (lookahead 1).
   */
  skip: number;
  /**
   * Session recency window (0 = off, the default; else 2..64 requests, the current one included).
   * Each session keeps its re-request rate r = (0.3 + re-requests) / (1 + requests), a re-request
   * being a key among the window's other keys (not the current key). Candidates among those keys
   * get their score multiplied by min(1, recentScale · r): a client that rarely re-requests (a
   * browser loading a page's assets, a crawler) is not predicted to fetch again what it just
   * fetched, one that often does (a feed poller) keeps them. With `recentBoost` > 0 they also gain
   * recentBoost · r of the vote mass, shared among them (a recency prior that can also add
   * candidates the contexts lacked). Only with a session's own history (predictSession,
   * predictAll…); next-request mode only (lookahead 1).
   */
  recentWindow: number;
  /** Multiplier of the re-request rate in the recency penalty (see recentWindow). Default 4. */
  recentScale: number;
  /** Share of vote mass given to the recency prior, times the re-request rate (see recentWindow). Default 0.2. */
  recentBoost: number;
  /**
   * Referrer context (0 = off, the default; blend mode, lookahead 1). Requests that carry a
   * referrer (an access log's `Referer` field, `RequestBatch.referrer`) also teach the shared
   * context "keys requested with referrer R": the assets of page R. A prediction for a session
   * whose latest request came with referrer R adds those keys, except the ones among the session's
   * last `referrerWindow` requests (fetched already), scored count/(total + 1) over the remaining keys and weighted
   * `referrerWeight` × the other contexts' vote mass: a browser fetching page R's assets goes on
   * with another of R's assets, in whatever order. This is the Referrer Graph idea (de la Ossa et
   * al. 2010). Votes only, like `unordered`: the requests that get a prediction do not change.
   */
  referrerWeight: number;
  /** Requests (the current one included, 1..64) whose keys the referrer context does not vote for. Default 32. */
  referrerWindow: number;
  /**
   * Keys kept per referrer (the referrer contexts live in their own table: a page has more
   * assets than a context has successors). Space-saving as in the main table; ≤ 255. Default 64.
   */
  referrerSuccessors: number;
  /**
   * Referrers kept (8-way set-associative like the main table; the lightest is replaced). Bytes:
   * referrerStates × (26 + 20·referrerSuccessors), 5.1 MiB for the defaults, allocated only when
   * referrerWeight > 0. Default 4,096.
   */
  referrerStates: number;
  /**
   * Prediction target. 1 (default): the next request; probabilities are exclusive and sum to ≤ 1.
   * W > 1: the keys requested within the next W requests of the session (a lookahead window, as in
   * dependency-graph web prefetching, Padmanabhan & Mogul 1996): the model also counts, for each of
   * the last W keys, the current key as a "soon" successor, and predictions score each key
   * min(1, (count − space-saving error)/(occurrences + lookaheadPrior)), count being the requests
   * of the key within W after an occurrence of the current key: an expected number of requests per
   * occurrence, not a probability (see the README). Scores are not exclusive and may sum to more
   * than 1. What a prefetcher wants when requests of several users interleave in one stream.
   */
  lookahead: number;
  /** Pseudo-occurrences in the lookahead denominator: shrinks estimates backed by few observations. Default 3. */
  lookaheadPrior: number;
  /** Counts halve every `halfLife` requests (aging). `Infinity` = no decay. Default Infinity. */
  halfLife: number;
  /**
   * Most contexts (states) kept, over all orders and scopes. The table is set-associative with
   * 8 ways: it holds ⌊maxStates/8⌋·8 states, never more; a new context replaces the state with
   * the lowest (decayed) total in its set. Bytes: states × (26 + 20·maxSuccessors); the default
   * 65,536 states × 8 successors take 11.6 MiB.
   */
  maxStates: number;
  /**
   * Successors kept per state (≤ 255). When full, a new successor replaces the least frequent one
   * and inherits its count (space-saving, Metwally et al. 2005), so the counts of a state always
   * sum to its total. Default 8.
   */
  maxSuccessors: number;
  /**
   * Session history slots (bounded): a session's last `order` keys live in slot `session mod
   * sessionSlots`; a different session taking the slot starts with an empty history. Default 65,536.
   */
  sessionSlots: number;
}

export const DEFAULT_OPTIONS: Readonly<MarkovOptions> = {
  order: 1,
  mode: 'blend',
  escape: true,
  orderWeight: 4,
  sessionStats: false,
  sessionWeight: 1,
  positions: 0,
  unordered: 0,
  skip: 0,
  recentWindow: 0,
  recentScale: 4,
  recentBoost: 0.2,
  referrerWeight: 0,
  referrerWindow: 32,
  referrerSuccessors: 64,
  referrerStates: 4_096,
  lookahead: 1,
  lookaheadPrior: 3,
  halfLife: Infinity,
  maxStates: 65_536,
  maxSuccessors: 8,
  sessionSlots: 65_536,
};

/**
 * A configuration for per-client web access logs. The context options are the best of a grid of
 * 384 settings by top-1 accuracy on the *first half* of traces/apache_logs.log (60.83% there,
 * 58.70% on the second half, 59.67% overall); `referrerWeight` 0.4 was then chosen from 16
 * referrer settings on the same first half (61.60% there, 58.99% on the second half, 60.18%
 * overall, against 51.06% for the first-order baseline). A starting point for other logs, not a
 * law: re-check it on yours with bench/apache-accuracy.ts.
 */
export const ACCESS_LOG_PRESET: Readonly<Partial<MarkovOptions>> = {
  order: 2,
  sessionStats: true,
  sessionWeight: 2,
  positions: 8,
  unordered: 4,
  skip: 3,
  recentWindow: 32,
  referrerWeight: 0.4,
  maxSuccessors: 16,
};

/** Ways per set of the state table. */
export const STATE_WAYS = 8;
/** Longest supported order (history slots are fixed-size). */
export const MAX_ORDER = 8;
/** Longest supported lookahead window. */
export const MAX_LOOKAHEAD = 64;
/** Longest supported session recency window. */
export const MAX_RECENT_WINDOW = 64;

function integerIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, `must be a whole number in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** 0 (off) or a whole number in [min, max]. */
function offOrIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || (value !== 0 && (value < min || value > max))) {
    throw new ConfigError(field, `must be 0 (off) or a whole number in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function resolveOptions(partial: Partial<MarkovOptions> = {}): MarkovOptions {
  for (const name of Object.keys(partial)) {
    if (!(name in DEFAULT_OPTIONS)) {
      throw new ConfigError(name, `unknown Markov option; known options: ${Object.keys(DEFAULT_OPTIONS).join(', ')}`);
    }
  }
  const o: MarkovOptions = { ...DEFAULT_OPTIONS };
  for (const [name, value] of Object.entries(partial)) if (value !== undefined) (o as unknown as Record<string, unknown>)[name] = value;
  integerIn('order', o.order, 1, MAX_ORDER);
  integerIn('lookahead', o.lookahead, 1, MAX_LOOKAHEAD);
  integerIn('positions', o.positions, 0, 255);
  offOrIn('unordered', o.unordered, 2, MAX_ORDER);
  offOrIn('skip', o.skip, 2, MAX_ORDER);
  offOrIn('recentWindow', o.recentWindow, 2, MAX_RECENT_WINDOW);
  if (!(o.recentScale >= 0 && Number.isFinite(o.recentScale))) throw new ConfigError('recentScale', `must be a number ≥ 0, got ${o.recentScale}`);
  if (!(o.recentBoost >= 0 && Number.isFinite(o.recentBoost))) throw new ConfigError('recentBoost', `must be a number ≥ 0, got ${o.recentBoost}`);
  if (!(o.referrerWeight >= 0 && Number.isFinite(o.referrerWeight))) throw new ConfigError('referrerWeight', `must be a number ≥ 0 (0 = off), got ${o.referrerWeight}`);
  if (o.lookahead > 1) {
    for (const field of ['unordered', 'skip', 'recentWindow', 'referrerWeight'] as const) {
      if (o[field] > 0) throw new ConfigError(field, `works in next-request mode only (lookahead 1), got lookahead ${o.lookahead}`);
    }
  }
  if (!(o.lookaheadPrior >= 0 && Number.isFinite(o.lookaheadPrior))) throw new ConfigError('lookaheadPrior', `must be a number ≥ 0, got ${o.lookaheadPrior}`);
  if (o.mode !== 'blend' && o.mode !== 'fallback') throw new ConfigError('mode', `must be "blend" or "fallback", got "${String(o.mode)}"`);
  if (o.mode !== 'blend') {
    for (const field of ['unordered', 'skip', 'referrerWeight'] as const) {
      if (o[field] > 0) throw new ConfigError(field, `these contexts only add votes, which needs mode "blend"; got mode "${o.mode}"`);
    }
  }
  if (!(o.orderWeight > 0 && Number.isFinite(o.orderWeight))) throw new ConfigError('orderWeight', `must be a positive number, got ${o.orderWeight}`);
  if (!(o.sessionWeight >= 0 && Number.isFinite(o.sessionWeight))) throw new ConfigError('sessionWeight', `must be a number ≥ 0, got ${o.sessionWeight}`);
  if (!(o.halfLife > 0)) throw new ConfigError('halfLife', `must be a positive number of requests (or Infinity for no decay), got ${o.halfLife}`);
  integerIn('maxStates', o.maxStates, STATE_WAYS, 2 ** 26);
  integerIn('maxSuccessors', o.maxSuccessors, 1, 255);
  integerIn('referrerWindow', o.referrerWindow, 1, MAX_RECENT_WINDOW);
  integerIn('referrerSuccessors', o.referrerSuccessors, 1, 255);
  integerIn('referrerStates', o.referrerStates, STATE_WAYS, 2 ** 24);
  integerIn('sessionSlots', o.sessionSlots, 1, 2 ** 24);
  if (typeof o.escape !== 'boolean') throw new ConfigError('escape', `must be true or false, got ${String(o.escape)}`);
  if (typeof o.sessionStats !== 'boolean') throw new ConfigError('sessionStats', `must be true or false, got ${String(o.sessionStats)}`);
  return o;
}
