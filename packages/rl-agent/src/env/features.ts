/**
 * The per-candidate features an eviction decision sees, in the order of the observation row.
 * All are scaled to [0, 1] (size to [−1, 1]) so that one model transfers across traces and
 * cache sizes: time spans are measured in units of the current resident count.
 */
export const CANDIDATE_FEATURES = [
  'recency', // log2(1 + (now − last access) / residents) / 6, capped at 1
  'recency_rank', // rank among the candidates by last access: 0 most recent … 1 least recent
  'frequency', // log2(1 + requests of the key so far) / 8, capped at 1
  'frequency_rank', // rank among the candidates: 0 most frequent … 1 least frequent
  'age', // log2(1 + (now − admission) / residents) / 6, capped at 1
  'hits_since_admission', // log2(1 + hits since admission) / 6, capped at 1
  'size', // log2(size / mean resident size) / 8 in [−1, 1]; 0 in object mode
  'access_probability', // the Markov predictor's probability of a request soon (0 without one)
  'vote_lru', // 1 for the candidate LRU would evict (the least recently used)
  'vote_lfu', // 1 for the candidate LFU would evict (least frequent; ties: least recent)
  'vote_fifo', // 1 for the candidate FIFO would evict (the oldest admission)
  'vote_s3fifo', // 1 for the S3-FIFO-style choice: the oldest one never hit since admission (else the LRU one)
  'ghost_return', // 1 when the key had been evicted before and came back (S3-FIFO's ghost signal)
  'recent_miss_ratio', // the cache's miss ratio over roughly the last 1,000 requests (same in every row)
] as const;

export const FEATURE_COUNT = CANDIDATE_FEATURES.length;

/**
 * Whole-cache regime features, appended to every row after CANDIDATE_FEATURES when the
 * eviction env's `regimeFeatures` option is on (off by default, so models trained without it keep
 * their 14 features). Both are causal (updated at each admission, i.e. after the decision that
 * admission caused) and in [0, 1]. A "quick return" is a miss on a key that was evicted at most
 * one cache-worth (the resident count) of evictions ago: an eviction the cache regrets.
 */
export const REGIME_FEATURES = [
  'quick_return_ratio', // share of the last ≈1,000 admissions that were quick returns (regretted evictions)
  'quick_return_lru_share', // among the last ≈64 quick returns, the share whose eviction took the LRU tail (the LRU vote)
] as const;

/**
 * Per-candidate reuse-interval features, appended after the regime features (if any) when the
 * eviction env's `reuseFeatures` option is on (off by default). The gap between a key's last two
 * requests predicts its next one (LRB, Song et al. NSDI 2020, learns from such deltas): a key in a
 * loop of L requests comes back about L requests after its last one, so a scan or loop is visible
 * per key, which recency and frequency alone do not show. Spans are counted over all requests,
 * evictions included.
 */
export const REUSE_FEATURES = [
  'reuse_interval', // log2(1 + (last access − the access before it) / residents) / 6, capped at 1; 1 for a key requested once
  'reuse_overdue', // x = (now − last access − reuse interval) / residents as sign(x)·min(1, log2(1 + |x|) / 6); negative while the usual return is still ahead; 1 for a key requested once
] as const;

/**
 * Per-candidate exponentially decayed request counts, appended last when the eviction env's
 * `decayFeatures` option is on (off by default). Each is c ← c·exp(−Δ/τ) + 1 at every request of
 * the key (Δ = requests since its previous one, evictions included), read at the decision as
 * c·exp(−(now − last access)/τ), with τ = 1, 4, 16 and 64 resident counts (the count when the
 * decay is applied). They are LRFU's combined recency-frequency value (Lee et al., 2001) at four
 * time scales, the "EDCs" LRB learns from (Song et al., NSDI 2020): which scale separates
 * returning keys from dead ones differs by workload (short for recency-driven traces, long for
 * scans and loops), so the model gets all four. Scaled as clamp((log2(c + 2⁻¹⁰) + 10) / 20, 0, 1):
 * 0 for a count that has decayed to nothing, 0.5 for 1, 1 for 1,024.
 */
export const DECAY_FEATURES = ['decayed_count_1', 'decayed_count_4', 'decayed_count_16', 'decayed_count_64'] as const;

/** Time constants of DECAY_FEATURES, in resident counts. */
export const DECAY_SCALES: readonly number[] = [1, 4, 16, 64];

/** Which optional feature groups a candidate row carries (all off by default). */
export interface FeatureOptions {
  regimeFeatures?: boolean;
  reuseFeatures?: boolean;
  decayFeatures?: boolean;
}

/** The options with every group named: unset groups are off. */
export function resolveFeatureOptions(options: FeatureOptions = {}): Required<FeatureOptions> {
  return { regimeFeatures: options.regimeFeatures ?? false, reuseFeatures: options.reuseFeatures ?? false, decayFeatures: options.decayFeatures ?? false };
}

/** Features per candidate row: 14, plus 2 with the regime features, 2 with the reuse features, 4 with the decay features. */
export function featureCount(options: FeatureOptions = {}): number {
  return decayFeatureOffset(options) + (options.decayFeatures ? DECAY_FEATURES.length : 0);
}

/** Row index of the first decay feature (after the regime and reuse features that are on). */
export function decayFeatureOffset(options: FeatureOptions): number {
  return reuseFeatureOffset(options) + (options.reuseFeatures ? REUSE_FEATURES.length : 0);
}

/** Row index of the first reuse feature (after the regime features when those are on). */
export function reuseFeatureOffset(options: FeatureOptions): number {
  return FEATURE_COUNT + (options.regimeFeatures ? REGIME_FEATURES.length : 0);
}

export const F_RECENCY = 0;
export const F_RECENCY_RANK = 1;
export const F_FREQUENCY = 2;
export const F_FREQUENCY_RANK = 3;
export const F_AGE = 4;
export const F_HITS = 5;
export const F_SIZE = 6;
export const F_PROBABILITY = 7;
export const F_VOTE_LRU = 8;
export const F_VOTE_LFU = 9;
export const F_VOTE_FIFO = 10;
export const F_VOTE_S3FIFO = 11;
export const F_GHOST = 12;
export const F_MISS_RATIO = 13;
export const F_QUICK_RETURN_RATIO = 14;
export const F_QUICK_RETURN_LRU_SHARE = 15;

/**
 * Probability that a key is requested soon, from a predictor such as @cachelab/markov's.
 * `observe` sees every demand request in order.
 */
export interface AccessScorer {
  observe(key: number): void;
  accessProbability(key: number): number;
}
