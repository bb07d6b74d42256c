/**
 * How often the scoreboard's paired bootstrap interval covers the true total difference, on
 * simulated series of metric windows whose true total is 0: i.i.d. normal, i.i.d. skewed
 * (centred exponential) and AR(1) windows with ρ = 0.3 and 0.6, for the plain and the expanded
 * percentile interval (README, scoreboard). The README's coverage figures come from this script.
 *
 *   node --import tsx packages/cli/bench/bootstrap-coverage.ts [series=2000] [windows=20] [confidence=0.95]
 */
import seedrandom from 'seedrandom';
import { pairedBootstrap } from '../src/util/paired-bootstrap.js';

const [series, windows, confidence] = [Number(process.argv[2] ?? 2000), Number(process.argv[3] ?? 20), Number(process.argv[4] ?? 0.95)];
if (!Number.isInteger(series) || series < 1 || !Number.isInteger(windows) || windows < 2 || !(confidence > 0 && confidence < 1)) {
  console.error('usage: node --import tsx packages/cli/bench/bootstrap-coverage.ts [series=2000 (≥ 1)] [windows=20 (≥ 2)] [confidence=0.95 (in (0, 1))]');
  process.exit(2);
}

type Random = () => number;
const normal = (random: Random) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
function autoregressive(random: Random, n: number, rho: number): number[] {
  const out: number[] = [];
  let x = normal(random) / Math.sqrt(1 - rho * rho); // stationary start
  for (let i = 0; i < n; i++) {
    out.push(x);
    x = rho * x + normal(random);
  }
  return out;
}
const generators: Record<string, (random: Random, n: number) => number[]> = {
  'i.i.d. normal': (random, n) => Array.from({ length: n }, () => normal(random)),
  'i.i.d. skewed': (random, n) => Array.from({ length: n }, () => -Math.log(1 - random()) - 1),
  'AR(1) ρ = 0.3': (random, n) => autoregressive(random, n, 0.3),
  'AR(1) ρ = 0.6': (random, n) => autoregressive(random, n, 0.6),
};

console.log(`coverage of the true total (0) by ${confidence * 100} % intervals, ${series} series of ${windows} windows, 1,000 resamples`);
console.log('series          plain    expanded');
for (const [name, generate] of Object.entries(generators)) {
  const covered = { plain: 0, expanded: 0 };
  const random = seedrandom(`coverage:${name}`);
  for (let s = 0; s < series; s++) {
    const differences = generate(random, windows);
    for (const percentiles of ['plain', 'expanded'] as const) {
      const { low, high } = pairedBootstrap(differences, { confidence, resamples: 1000, seed: `coverage:${name}:${s}`, percentiles });
      if (low <= 0 && 0 <= high) covered[percentiles]++;
    }
  }
  const pct = (k: number) => `${((100 * k) / series).toFixed(1)} %`.padStart(8);
  console.log(`${name.padEnd(14)} ${pct(covered.plain)}  ${pct(covered.expanded)}`);
}
