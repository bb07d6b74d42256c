/**
 * `cachelab markov eval`: trains a Markov next-request predictor online on a trace and reports
 * how often it predicted the next request (per session/client when the trace has them), and with
 * --prefetch how prefetching its predictions changes a cache's hit ratio against demand-only.
 */
import { createPolicy, distinctBytes, getPolicyInfo, parseCapacity, type CapacityUnit } from '@cachelab/cache-core';
import {
  ACCESS_LOG_PRESET,
  DEFAULT_OPTIONS,
  DEFAULT_PREFETCH,
  MarkovPredictor,
  NaiveFirstOrderPredictor,
  STREAM_BLOCK,
  accuracyDifferenceInterval,
  accuracyInterval,
  clusterCounts,
  comparePrefetch,
  evaluatePredictor,
  type MarkovOptions,
  type SequencePredictor,
} from '@cachelab/markov';
import { Option, type Command } from 'commander';
import { CliUsageError } from '../util/cli-error.js';
import { loadTraceNoting } from '../util/load-trace.js';
import { parseNonNegativeInt, parsePositiveInt } from '../util/options.js';
import { addTraceOptions, formatCount, traceReadOptions, type TraceFlags } from '../util/trace-options.js';

/** The Markov options that have a flag of their own (every one but sessionSlots). */
const MARKOV_FLAGS = [
  'order',
  'mode',
  'escape',
  'sessionStats',
  'orderWeight',
  'sessionWeight',
  'positions',
  'unordered',
  'skip',
  'recentWindow',
  'recentScale',
  'recentBoost',
  'referrerWeight',
  'referrerWindow',
  'referrerSuccessors',
  'referrerStates',
  'halfLife',
  'lookahead',
  'lookaheadPrior',
  'maxStates',
  'maxSuccessors',
] as const satisfies readonly (keyof MarkovOptions)[];

type MarkovFlags = Pick<MarkovOptions, Exclude<(typeof MARKOV_FLAGS)[number], 'sessionStats' | 'halfLife'>> &
  Partial<Pick<MarkovOptions, 'sessionStats' | 'halfLife'>>;

type PredictorKind = 'markov' | 'naive';

/** Flags of the prefetch replay: they need --prefetch. */
const REPLAY_FLAGS = ['policy', 'size', 'unit', 'threshold', 'degree'] as const;

/** A flag's name as typed (`lookaheadPrior` → `--lookahead-prior`, `escape` → `--no-escape`). */
function flagName(field: string): string {
  return field === 'escape' ? '--no-escape' : `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Markov flags that the resolved options ignore, and why: typing one is a mistake (it would
 * silently change nothing), so the command refuses it.
 */
function ignoredBy(o: MarkovOptions): Array<[fields: readonly (keyof MarkovOptions)[], why: string]> {
  const ignored: Array<[readonly (keyof MarkovOptions)[], string]> = [];
  if (o.lookahead > 1) {
    ignored.push([['order', 'mode', 'escape', 'sessionStats', 'orderWeight', 'sessionWeight', 'positions'], `has no effect with --lookahead ${o.lookahead}: lookahead predictions come from the current key alone`]);
  } else {
    ignored.push([['lookaheadPrior'], 'has no effect without --lookahead > 1']);
  }
  if (o.recentWindow === 0) ignored.push([['recentScale', 'recentBoost'], 'has no effect without --recent-window']);
  if (o.referrerWeight === 0) ignored.push([['referrerWindow', 'referrerSuccessors', 'referrerStates'], 'has no effect without --referrer-weight > 0']);
  if (o.mode === 'fallback') ignored.push([['orderWeight', 'sessionWeight'], 'has no effect in --mode fallback (no blending)']);
  // Every other vote (session, skip, recency, referrer) is a multiple of the order-1 weight, and
  // the ranking and probabilities are ratios: only position and unordered votes weigh w² and up.
  else if (o.lookahead <= 1 && o.order === 1 && o.positions === 0 && o.unordered === 0) {
    ignored.push([['orderWeight'], 'has no effect at --order 1 without --positions or --unordered: every vote is then scaled by the same weight']);
  }
  if (!o.sessionStats) ignored.push([['sessionWeight'], 'has no effect without --session-stats (it weighs the per-session statistics)']);
  return ignored;
}

/** Named option sets for --preset. */
const PRESETS: Record<string, Readonly<Partial<MarkovOptions>>> = { 'access-log': ACCESS_LOG_PRESET };

interface EvalFlags extends TraceFlags, MarkovFlags {
  trace: string;
  predictor: PredictorKind;
  /** Start from a named option set; only the Markov flags in `explicit` override it. */
  preset?: string;
  /** Also evaluate this predictor (naive, or markov with default options) and compare, paired. */
  against?: PredictorKind;
  top: number;
  prefetch?: boolean;
  policy: string;
  size?: string;
  unit?: CapacityUnit;
  threshold: number;
  degree: number;
  json?: boolean;
  quiet?: boolean;
}

export interface MarkovPrefetchResult {
  policy: string;
  capacity: number;
  capacityUnit: CapacityUnit;
  threshold: number;
  maxPrefetches: number;
  demandHitRatio: number;
  prefetchHitRatio: number;
  hitRatioGain: number;
  demandMisses: number;
  prefetchMisses: number;
  prefetchesIssued: number;
  prefetchHits: number;
  accuracy: number;
  coverage: number;
  prefetchBytes: number;
  extraBytes: number;
}

/** The `--json` result. */
export interface MarkovEvalResult {
  trace: string;
  requests: number;
  keys: number;
  sessions: number;
  predictor: 'markov' | 'naive';
  options: MarkovOptions | null;
  predictions: number;
  top1Hits: number;
  top1Accuracy: number;
  /** 95 % interval of top1Accuracy, resampling clients (sessions) as wholes. */
  top1Interval: [low: number, high: number];
  top: number;
  topKHits: number;
  topKAccuracy: number;
  topKInterval: [low: number, high: number];
  /** Units the intervals resampled: clients with predictions, or blocks of STREAM_BLOCK requests without clients. */
  intervalClusters: number;
  against: MarkovComparison | null;
  predictionRate: number;
  states: number | null;
  seconds: number;
  prefetch: MarkovPrefetchResult | null;
}

/** `--against`: the other predictor's accuracies, and this one's minus those with paired intervals. */
export interface MarkovComparison {
  predictor: PredictorKind;
  predictions: number;
  top1Accuracy: number;
  topKAccuracy: number;
  /** [difference, low, high] of top-1 accuracy (this − the other). */
  top1Difference: [difference: number, low: number, high: number];
  topKDifference: [difference: number, low: number, high: number];
}

function parseProbability(value: string): number {
  const p = Number(value);
  if (value.trim() === '' || !(p >= 0 && p <= 1)) throw new CliUsageError(`--threshold must be a probability in [0, 1], got "${value}"`);
  return p;
}

function parseNonNegative(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !(n >= 0 && Number.isFinite(n))) throw new CliUsageError(`${option} must be a number ≥ 0, got "${value}"`);
    return n;
  };
}

function parsePositive(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !(n > 0 && Number.isFinite(n))) throw new CliUsageError(`${option} must be a positive number, got "${value}"`);
    return n;
  };
}

function parseHalfLife(value: string): number {
  const h = Number(value);
  if (!(h > 0)) throw new CliUsageError(`--half-life must be a positive number of requests, got "${value}"`);
  return h;
}

export function register(program: Command): void {
  const markov = program.command('markov').description('Markov next-request prediction: evaluate, prefetch');
  const command = markov
    .command('eval')
    .description('train a Markov predictor online on a trace; report top-1/top-k accuracy and, with --prefetch, replay figures')
    .requiredOption('--trace <file>', 'trace file (access .log gives per-client sessions; .txt/.csv/.bin the global stream)');
  addTraceOptions(command)
    .addOption(new Option('--predictor <kind>', 'markov (bounded PPM) or naive (exact first-order most-frequent-successor baseline)').choices(['markov', 'naive']).default('markov'))
    .addOption(new Option('--against <kind>', 'also evaluate naive, or markov with default options, and report the accuracy differences with paired intervals').choices(['markov', 'naive']))
    .addOption(new Option('--preset <name>', 'start from a named option set: access-log = ACCESS_LOG_PRESET (chosen on apache_logs.log); Markov flags given explicitly override it').choices(Object.keys(PRESETS)))
    .option('--order <k>', 'longest context (PPM order; 1 = first order)', parsePositiveInt('--order'), DEFAULT_OPTIONS.order)
    .option('--top <k>', 'k of top-k accuracy', parsePositiveInt('--top'), 3)
    .addOption(new Option('--mode <mode>', 'how orders combine').choices(['blend', 'fallback']).default(DEFAULT_OPTIONS.mode))
    .option('--no-escape', 'no PPM-C escape mass: probabilities are count/total')
    .option('--session-stats', 'also keep per-session statistics (blended with the shared ones)')
    .option('--order-weight <w>', 'blend: weight base of an order-o context (w^o)', parsePositive('--order-weight'), DEFAULT_OPTIONS.orderWeight)
    .option('--session-weight <w>', 'blend: weight of per-session statistics relative to shared ones', parseNonNegative('--session-weight'), DEFAULT_OPTIONS.sessionWeight)
    .option('--positions <p>', 'position contexts (requests the client made so far, capped at p; current key); 0 = off', parseNonNegativeInt('--positions'), DEFAULT_OPTIONS.positions)
    .option('--unordered <u>', 'blend: also vote with the sets of the last 2..u keys, order ignored; 0 = off', parseNonNegativeInt('--unordered'), DEFAULT_OPTIONS.unordered)
    .option('--skip <s>', 'blend: also vote with "key d back, lag d" for d = 2..s; 0 = off', parseNonNegativeInt('--skip'), DEFAULT_OPTIONS.skip)
    .option('--recent-window <r>', "scale candidates among the client's last r requests by its re-request rate; 0 = off", parseNonNegativeInt('--recent-window'), DEFAULT_OPTIONS.recentWindow)
    .option('--recent-scale <x>', 'recency penalty: multiplier min(1, x · re-request rate)', parseNonNegative('--recent-scale'), DEFAULT_OPTIONS.recentScale)
    .option('--recent-boost <x>', 'recency prior: share x · re-request rate of the vote mass for recent keys', parseNonNegative('--recent-boost'), DEFAULT_OPTIONS.recentBoost)
    .option('--referrer-weight <w>', "blend: also vote for the unfetched keys requested with the referrer of the client's latest request (a page's assets), with weight w; 0 = off", parseNonNegative('--referrer-weight'), DEFAULT_OPTIONS.referrerWeight)
    .option('--referrer-window <n>', "referrer votes skip keys among the client's last n requests", parsePositiveInt('--referrer-window'), DEFAULT_OPTIONS.referrerWindow)
    .option('--referrer-successors <n>', 'keys kept per referrer (≤ 255)', parsePositiveInt('--referrer-successors'), DEFAULT_OPTIONS.referrerSuccessors)
    .option('--referrer-states <n>', 'cap on referrers kept', parsePositiveInt('--referrer-states'), DEFAULT_OPTIONS.referrerStates)
    .option('--half-life <n>', 'counts halve every n requests (default: no decay)', parseHalfLife)
    .option('--lookahead <w>', 'predict keys requested within the next w requests (1 = the next request); for prefetching on interleaved streams', parsePositiveInt('--lookahead'), DEFAULT_OPTIONS.lookahead)
    .option('--lookahead-prior <n>', 'pseudo-occurrences in lookahead probabilities (shrinks thin evidence)', parseNonNegative('--lookahead-prior'), DEFAULT_OPTIONS.lookaheadPrior)
    .option('--max-states <n>', 'cap on states (contexts)', parsePositiveInt('--max-states'), DEFAULT_OPTIONS.maxStates)
    .option('--max-successors <n>', 'cap on successors per state (≤ 255)', parsePositiveInt('--max-successors'), DEFAULT_OPTIONS.maxSuccessors)
    .option('--prefetch', 'also replay the trace through a cache, demand-only and with Markov prefetching')
    .option('--policy <name>', 'eviction policy of the prefetch replay', 'lru')
    .option('--size <size>', 'cache size of the prefetch replay: objects (500), share (10%) or bytes (64MiB)')
    .addOption(new Option('--unit <unit>', 'unit of a plain number or % size').choices(['objects', 'bytes']))
    .option('--threshold <p>', 'least predicted probability that is prefetched', parseProbability, DEFAULT_PREFETCH.threshold)
    .option('--degree <k>', 'most keys prefetched after one request', parsePositiveInt('--degree'), DEFAULT_PREFETCH.maxPrefetches)
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      `
Examples:
  cachelab markov eval --trace access.log --order 3 --session-stats
  cachelab markov eval --trace access.log --preset access-log
  cachelab markov eval --trace access.log --preset access-log --referrer-weight 0   # the preset without referrers
  cachelab markov eval --trace access.log --predictor naive --json
  cachelab markov eval --trace access.log --order 3 --session-stats --against naive
  cachelab markov eval --trace traces/cache2k-web07.txt --lookahead 4 --prefetch --policy lru --size 10% --threshold 0.3

A prediction is a request whose session (client) has a previous request and for which the
predictor offers at least one key; top-1 accuracy = correct best guesses / predictions.
With --lookahead w > 1 the ranking is by "requested within the next w requests", and top-k
still scores it against the next request.
Accuracies come with 95 % intervals from a cluster bootstrap: whole clients are resampled (blocks
of ${STREAM_BLOCK} requests where the trace has none), because one client's predictions go together.`,
    )
    .action(async (flags: EvalFlags) => {
      // Which Markov and replay flags were typed (not defaults): only Markov ones override a preset.
      const explicit = new Set<string>([...MARKOV_FLAGS, ...REPLAY_FLAGS].filter((field) => command.getOptionValueSource(field) === 'cli'));
      const result = await runMarkovEval(flags, explicit);
      process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : describe(result));
    });
}

/**
 * `explicit`: the Markov flags the user gave. Without a preset every flag counts (unset ones
 * take the predictor's defaults); with one, only these override it (default: all that are set).
 */
export async function runMarkovEval(flags: EvalFlags, explicit?: ReadonlySet<string>): Promise<MarkovEvalResult> {
  if (flags.prefetch && flags.size === undefined) throw new CliUsageError('--prefetch needs --size (the cache size of the replay), e.g. --size 10%');
  const preset = flags.preset === undefined ? undefined : PRESETS[flags.preset];
  if (flags.preset !== undefined && preset === undefined) throw new CliUsageError(`unknown --preset "${flags.preset}"; known: ${Object.keys(PRESETS).join(', ')}`);
  if (preset !== undefined && flags.predictor === 'naive') throw new CliUsageError('--preset sets Markov options; it does not apply to --predictor naive');
  // Flags the user gave: `explicit` when known, else those that differ from their defaults.
  const defaults: Record<string, unknown> = { ...DEFAULT_OPTIONS, policy: 'lru', threshold: DEFAULT_PREFETCH.threshold, degree: DEFAULT_PREFETCH.maxPrefetches };
  const given = (field: string): boolean => {
    const value = (flags as unknown as Record<string, unknown>)[field];
    return explicit !== undefined ? explicit.has(field) && value !== undefined : value !== undefined && value !== defaults[field];
  };
  if (!flags.prefetch) {
    const replay = REPLAY_FLAGS.find(given);
    if (replay !== undefined) throw new CliUsageError(`${flagName(replay)} sets up the prefetch replay; add --prefetch --size <size> (or leave ${flagName(replay)} out)`);
  }
  if (flags.predictor === 'naive') {
    const markov = MARKOV_FLAGS.find(given);
    if (markov !== undefined) throw new CliUsageError(`${flagName(markov)} sets a Markov option; it does not apply to --predictor naive`);
  }
  const options: Partial<MarkovOptions> = { ...preset };
  for (const field of MARKOV_FLAGS) {
    if (flags[field] !== undefined && (preset === undefined || explicit === undefined || explicit.has(field))) (options as Record<string, unknown>)[field] = flags[field];
  }
  const predictorOf = (kind: PredictorKind, with_: Partial<MarkovOptions>): SequencePredictor => (kind === 'naive' ? new NaiveFirstOrderPredictor() : new MarkovPredictor(with_));
  const makePredictor = (): SequencePredictor => predictorOf(flags.predictor, options);
  const probe = makePredictor(); // validates options before reading the trace
  if (probe instanceof MarkovPredictor) {
    // A typed flag that the model ignores (and that changes something) would silently do nothing.
    for (const [fields, why] of ignoredBy(probe.options)) {
      const field = fields.find((f) => given(f) && probe.options[f] !== DEFAULT_OPTIONS[f]);
      if (field !== undefined) throw new CliUsageError(`${flagName(field)} ${why}`);
    }
  }
  if (flags.prefetch) createPolicy(flags.policy, { capacity: 1, keySpace: 1 });
  // An oracle (Belady) needs every request's next access, which prefetched objects do not have.
  if (flags.prefetch && getPolicyInfo(flags.policy)?.needsOracle) {
    throw new CliUsageError(`--policy ${flags.policy} needs each request's next access, which a prefetched object does not have; pick another policy for the prefetch replay`);
  }
  const trace = await loadTraceNoting(flags.trace, traceReadOptions(flags));
  const started = performance.now();
  const evaluation = evaluatePredictor(probe, trace.batch, flags.top);
  const seconds = (performance.now() - started) / 1000;
  const top1 = accuracyInterval(clusterCounts(evaluation, 'top1'));
  const topK = accuracyInterval(clusterCounts(evaluation, 'topK'));
  let against: MarkovComparison | null = null;
  if (flags.against) {
    const other = evaluatePredictor(predictorOf(flags.against, {}), trace.batch, flags.top);
    const difference = (which: 'top1' | 'topK'): [number, number, number] => {
      const d = accuracyDifferenceInterval(clusterCounts(evaluation, which), clusterCounts(other, which));
      return [d.difference, d.low, d.high];
    };
    against = {
      predictor: flags.against,
      predictions: other.predictions,
      top1Accuracy: other.top1Accuracy,
      topKAccuracy: other.topKAccuracy,
      top1Difference: difference('top1'),
      topKDifference: difference('topK'),
    };
  }
  let prefetch: MarkovPrefetchResult | null = null;
  if (flags.prefetch && flags.size !== undefined) {
    const bytes = flags.size.trim().endsWith('%') && flags.unit === 'bytes' ? distinctBytes(trace.batch, trace.keyCount) : 0;
    const { capacity, unit } = parseCapacity(flags.size, { distinctObjects: trace.keyCount, distinctBytes: bytes, hasSizes: trace.hasSizes, ...(flags.unit ? { unit: flags.unit } : {}) });
    const c = comparePrefetch(() => createPolicy(flags.policy, { capacity, keySpace: trace.keyCount }), makePredictor, trace.batch, {
      unit,
      prefetch: { threshold: flags.threshold, maxPrefetches: flags.degree },
    });
    const hitRatio = (hits: number, requests: number): number => (requests === 0 ? 0 : hits / requests);
    prefetch = {
      policy: flags.policy,
      capacity,
      capacityUnit: unit,
      threshold: flags.threshold,
      maxPrefetches: flags.degree,
      demandHitRatio: hitRatio(c.demand.hits, c.demand.requests),
      prefetchHitRatio: hitRatio(c.prefetch.hits, c.prefetch.requests),
      hitRatioGain: c.hitRatioGain,
      demandMisses: c.demand.misses,
      prefetchMisses: c.prefetch.misses,
      prefetchesIssued: c.prefetchesIssued,
      prefetchHits: c.prefetchHits,
      accuracy: c.accuracy,
      coverage: c.coverage,
      prefetchBytes: c.prefetchBytes,
      extraBytes: c.extraBytes,
    };
  }
  return {
    trace: flags.trace,
    requests: trace.batch.length,
    keys: trace.keyCount,
    sessions: trace.sessionCount,
    predictor: flags.predictor,
    options: probe instanceof MarkovPredictor ? probe.options : null,
    predictions: evaluation.predictions,
    top1Hits: evaluation.top1Hits,
    top1Accuracy: evaluation.top1Accuracy,
    top1Interval: [top1.low, top1.high],
    top: evaluation.top,
    topKHits: evaluation.topKHits,
    topKAccuracy: evaluation.topKAccuracy,
    topKInterval: [topK.low, topK.high],
    intervalClusters: top1.clusters,
    against,
    predictionRate: evaluation.predictionRate,
    states: probe instanceof MarkovPredictor ? probe.stats().states : null,
    seconds,
    prefetch,
  };
}

function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function describe(r: MarkovEvalResult): string {
  const o = r.options;
  const features = o
    ? [
        o.mode,
        o.sessionStats ? 'per-session stats' : '',
        o.positions > 0 ? `positions ${o.positions}` : '',
        o.unordered > 0 ? `unordered ${o.unordered}` : '',
        o.skip > 0 ? `skip ${o.skip}` : '',
        o.recentWindow > 0 ? `recent window ${o.recentWindow}` : '',
        o.referrerWeight > 0 ? `referrer weight ${o.referrerWeight}` : '',
        o.lookahead > 1 ? `lookahead ${o.lookahead}` : '',
      ].filter((f) => f !== '')
    : [];
  const model = o ? `markov order ${o.order} (${features.join(', ')})` : 'naive first order';
  const lines = [
    `trace         ${r.trace}: ${formatCount(r.requests)} requests, ${formatCount(r.keys)} keys, ${formatCount(r.sessions)} sessions`,
    `predictor     ${model}${r.states !== null ? `, ${formatCount(r.states)} states` : ''}`,
    `predictions   ${formatCount(r.predictions)} (${percent(r.predictionRate)} of requests)`,
    `top-1         ${formatCount(r.top1Hits)} correct   ${percent(r.top1Accuracy)}   95 % interval ${percent(r.top1Interval[0])}–${percent(r.top1Interval[1])}`,
    `top-${r.top}         ${formatCount(r.topKHits)} correct   ${percent(r.topKAccuracy)}   95 % interval ${percent(r.topKInterval[0])}–${percent(r.topKInterval[1])}`,
    `              (intervals: ${formatCount(r.intervalClusters)} ${r.sessions > 0 ? 'clients' : `blocks of ${formatCount(STREAM_BLOCK)} requests`} resampled as wholes)`,
  ];
  const a = r.against;
  if (a) {
    const points = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
    const diff = ([d, low, high]: [number, number, number]) => `${points(d)} points [${points(low)}, ${points(high)}]`;
    lines.push(
      `against       ${a.predictor === 'naive' ? 'naive first order' : 'markov, default options'}: ${formatCount(a.predictions)} predictions, top-1 ${percent(a.top1Accuracy)}, top-${r.top} ${percent(a.topKAccuracy)}`,
      `  difference  top-1 ${diff(a.top1Difference)}, top-${r.top} ${diff(a.topKDifference)} (95 %, paired: the same clusters resampled for both)`,
    );
  }
  const p = r.prefetch;
  if (p) {
    lines.push(
      `prefetch      ${p.policy} at ${formatCount(p.capacity)} ${p.capacityUnit}, threshold ${p.threshold}, at most ${p.maxPrefetches} per request`,
      `  hit ratio   ${percent(p.demandHitRatio)} demand-only → ${percent(p.prefetchHitRatio)} with prefetch (${p.hitRatioGain >= 0 ? '+' : ''}${(100 * p.hitRatioGain).toFixed(2)} points)`,
      `  issued      ${formatCount(p.prefetchesIssued)}, useful ${formatCount(p.prefetchHits)} (accuracy ${percent(p.accuracy)})`,
      `  coverage    ${percent(p.coverage)} of demand misses removed (${formatCount(p.demandMisses)} → ${formatCount(p.prefetchMisses)})`,
      `  bytes       ${formatCount(p.prefetchBytes)} prefetched, ${formatCount(p.extraBytes)} extra from the origin`,
    );
  }
  lines.push(`time          ${r.seconds.toFixed(3)} s`, '');
  return lines.join('\n');
}
