/**
 * Every command lives in its own file and exports `register(program)`.
 * Adding a command: one import and one array entry here.
 */
import type { Command } from 'commander';

type Register = (program: Command) => void;

const commands: Register[] = [];

export function registerCommands(program: Command): void {
  for (const register of commands) register(program);
}
