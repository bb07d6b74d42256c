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
   * Prediction target. 1 (default): the next request; probabilities are exclusive and sum to ≤ 1.
   * W > 1: the keys requested within the next W requests of the session (a lookahead window, as in
   * dependency-graph web prefetching, Padmanabhan & Mogul 1996): the model also counts, for each of
   * the last W keys, the current key as a "soon" successor, and predictions give per-key
   * P(requested within W | current key) = count/(occurrences + lookaheadPrior). These are not
   * exclusive events and may sum to more than 1. What a prefetcher wants when requests of several
   * users interleave in one stream.
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
  lookahead: 1,
  lookaheadPrior: 3,
  halfLife: Infinity,
  maxStates: 65_536,
  maxSuccessors: 8,
  sessionSlots: 65_536,
};

/** Ways per set of the state table. */
export const STATE_WAYS = 8;
/** Longest supported order (history slots are fixed-size). */
export const MAX_ORDER = 8;
/** Longest supported lookahead window. */
export const MAX_LOOKAHEAD = 64;

function integerIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, `must be a whole number in [${min}, ${max}], got ${value}`);
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
  if (!(o.lookaheadPrior >= 0 && Number.isFinite(o.lookaheadPrior))) throw new ConfigError('lookaheadPrior', `must be a number ≥ 0, got ${o.lookaheadPrior}`);
  if (o.mode !== 'blend' && o.mode !== 'fallback') throw new ConfigError('mode', `must be "blend" or "fallback", got "${String(o.mode)}"`);
  if (!(o.orderWeight > 0 && Number.isFinite(o.orderWeight))) throw new ConfigError('orderWeight', `must be a positive number, got ${o.orderWeight}`);
  if (!(o.sessionWeight >= 0 && Number.isFinite(o.sessionWeight))) throw new ConfigError('sessionWeight', `must be a number ≥ 0, got ${o.sessionWeight}`);
  if (!(o.halfLife > 0)) throw new ConfigError('halfLife', `must be a positive number of requests (or Infinity for no decay), got ${o.halfLife}`);
  integerIn('maxStates', o.maxStates, STATE_WAYS, 2 ** 26);
  integerIn('maxSuccessors', o.maxSuccessors, 1, 255);
  integerIn('sessionSlots', o.sessionSlots, 1, 2 ** 24);
  if (typeof o.escape !== 'boolean') throw new ConfigError('escape', `must be true or false, got ${String(o.escape)}`);
  if (typeof o.sessionStats !== 'boolean') throw new ConfigError('sessionStats', `must be true or false, got ${String(o.sessionStats)}`);
  return o;
}
