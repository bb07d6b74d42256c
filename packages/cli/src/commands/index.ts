/**
 * Every command lives in its own file and exports `register(program)`.
 * Adding a command: one import and one array entry here.
 */
import type { Command } from 'commander';
import { register as compare } from './compare.js';
import { register as report } from './report.js';
import { register as run } from './run.js';
import { register as replay } from './replay.js';
import { register as mrc } from './mrc.js';
import { register as trace } from './trace.js';
import { register as train } from './train.js';
import { register as evaluate } from './evaluate.js';
import { register as validate } from './validate.js';
import { register as markov } from './markov.js';

type Register = (program: Command) => void;

const commands: Register[] = [replay, mrc, trace, compare, run, report, train, evaluate, validate, markov];

export function registerCommands(program: Command): void {
  for (const register of commands) register(program);
}
