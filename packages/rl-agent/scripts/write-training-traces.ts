/**
 * Writes the synthetic training/validation workloads (src/training/workloads.ts) as `txt` traces:
 *   pnpm exec tsx packages/rl-agent/scripts/write-training-traces.ts [outDir] [requests] [seed...]
 * Default: traces/synthetic, 120,000 requests, seeds 1 (training) and 2 (validation); files are
 * named `<kind>-s<seed>.txt`. Same arguments → byte-identical files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WORKLOAD_KINDS, workloadKeys } from '../src/training/workloads.js';

const [outDir = 'traces/synthetic', requestsArg = '120000', ...seedArgs] = process.argv.slice(2);
const requests = Number(requestsArg);
const seeds = seedArgs.length > 0 ? seedArgs.map(Number) : [1, 2];
fs.mkdirSync(outDir, { recursive: true });
for (const seed of seeds) {
  for (const kind of WORKLOAD_KINDS) {
    const keys = workloadKeys({ kind, requests, seed });
    const file = path.join(outDir, `${kind}-s${seed}.txt`);
    fs.writeFileSync(file, `${Array.from(keys).join('\n')}\n`);
    console.log(`${file}: ${keys.length} requests, ${new Set(keys).size} objects`);
  }
}
