import fs from 'node:fs';
import { zipfTrace } from '../test/helpers/trace.js';
const t = zipfTrace(1_000_000, 100_000, 0.9, 7, 0.1);
const lines: string[] = [];
for (let i = 0; i < t.length; i++) lines.push(String(t.key[i]));
fs.writeFileSync('/tmp/zipf-1m.txt', lines.join('\n') + '\n');
