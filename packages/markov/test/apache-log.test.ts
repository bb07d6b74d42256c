import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadTrace, type LoadedTrace } from '@cachelab/cache-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG_PRESET, MarkovPredictor, NaiveFirstOrderPredictor, evaluatePredictor } from '../src/index.js';
import { sharedTracesDir } from './helpers.js';

const log = fileURLToPath(new URL('apache_logs.log', sharedTracesDir));

describe.skipIf(!existsSync(log))('apache_logs.log next-URL prediction per client (needs ../shared/traces)', () => {
  let trace: LoadedTrace;
  beforeAll(async () => {
    trace = await loadTrace(log);
  });

  it('the naive first-order baseline makes exactly the README’s 6,856 predictions', () => {
    // README: 50.6% top-1. With ties going to the successor seen first we get 3,501/6,856 = 51.06%;
    // 864 of the predictions involve a tie, and other deterministic tie rules give 50.4–51.1%.
    const naive = evaluatePredictor(new NaiveFirstOrderPredictor(), trace.batch, 3);
    expect(naive.predictions).toBe(6856);
    expect(naive.top1Hits).toBe(3501);
  });

  it('the bounded first-order model reproduces the naive one exactly when its caps are not hit', () => {
    const bounded = evaluatePredictor(new MarkovPredictor({ order: 1, mode: 'fallback', maxSuccessors: 255 }), trace.batch, 3);
    expect(bounded).toEqual(evaluatePredictor(new NaiveFirstOrderPredictor(), trace.batch, 3));
  });

  it('PPM order 3 with per-client statistics predicts the next URL better (same 6,856 predictions)', () => {
    const ppm = evaluatePredictor(new MarkovPredictor({ order: 3, sessionStats: true }), trace.batch, 3);
    expect(ppm.predictions).toBe(6856);
    expect(ppm.top1Hits).toBe(3825); // 55.79%: +4.7 points over the baseline
    expect(ppm.topKHits).toBe(4666);
  });

  it('position contexts add 1.2 points (order 3, per-client stats, positions 8)', () => {
    const r = evaluatePredictor(new MarkovPredictor({ order: 3, sessionStats: true, positions: 8 }), trace.batch, 3);
    expect(r.predictions).toBe(6856);
    expect(r.top1Hits).toBe(3908); // 57.00%
  });

  it('ACCESS_LOG_PRESET (chosen on the first half; bench/apache-accuracy.ts) gets 60.18% on the same 6,856 predictions', () => {
    // order 2 + per-client stats (weight 2) + positions 8 + unordered sets of 2..4 keys + skip
    // contexts of lags 2..3 + a 32-request recency window, 16 successors per state + referrer
    // contexts of weight 0.4.
    const r = evaluatePredictor(new MarkovPredictor(ACCESS_LOG_PRESET), trace.batch, 3);
    expect(r.predictions).toBe(6856);
    expect(r.top1Hits).toBe(4126); // 60.18% (naive: 51.06%); first half 61.60%, second half 58.99%
    expect(r.topKHits).toBe(5040); // top-3 73.51%
  });

  it('the referrer context adds 35 correct top-1 and 104 top-3 predictions; it never changes which requests get one', () => {
    const without = evaluatePredictor(new MarkovPredictor({ ...ACCESS_LOG_PRESET, referrerWeight: 0 }), trace.batch, 3);
    expect([without.predictions, without.top1Hits, without.topKHits]).toEqual([6856, 4091, 4936]); // 59.67%, 72.00%
    const withReferrer = evaluatePredictor(new MarkovPredictor(ACCESS_LOG_PRESET), trace.batch, 3);
    expect(Array.from(withReferrer.clusters.predictions)).toEqual(Array.from(without.clusters.predictions));
    // Told no referrers, the preset is the model without them, request for request.
    const blind = { ...trace.batch, referrer: new Int32Array(trace.batch.length).fill(-1) };
    expect(evaluatePredictor(new MarkovPredictor(ACCESS_LOG_PRESET), blind, 3)).toEqual(without);
  });

  it('with sessions by address and user agent (logSession client-agent): 6,759 predictions, preset 61.61%, naive 52.98%', async () => {
    // A different client definition, so a different prediction set: users behind one address and
    // crawlers sharing an address with a browser become separate sessions (1,862 instead of 1,753).
    const byAgent = await loadTrace(log, { logSession: 'client-agent' });
    expect(byAgent.sessionCount).toBe(1862);
    const naive = evaluatePredictor(new NaiveFirstOrderPredictor(), byAgent.batch, 3);
    expect([naive.predictions, naive.top1Hits]).toEqual([6759, 3581]);
    const preset = evaluatePredictor(new MarkovPredictor(ACCESS_LOG_PRESET), byAgent.batch, 3);
    expect([preset.predictions, preset.top1Hits, preset.topKHits]).toEqual([6759, 4164, 5049]);
  });
});
