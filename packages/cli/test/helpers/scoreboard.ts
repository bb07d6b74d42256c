/** Scoreboard options for tests: the report's defaults (95 %, seed 1) with 500 resamples, overridable. */
import type { ScoreboardOptions } from '../../src/report/scoreboard.js';

export const scoreboardOptions = (o: Partial<ScoreboardOptions> & Pick<ScoreboardOptions, 'candidate'>): ScoreboardOptions => ({
  baseline: 'lru',
  bestOf: [],
  confidence: 0.95,
  resamples: 500,
  seed: 1,
  ...o,
});
