/**
 * Reads an experiment file: JSON, YAML, or a TypeScript/JavaScript module whose default export
 * is the experiment object. `experiments/NAME` without an extension finds NAME.ts, .json, .yaml
 * or .yml. The run's name is the file name without extension.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CachelabError, ConfigError } from '@cachelab/cache-core';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parse as parseYaml } from 'yaml';
import { type Experiment, parseExperiment } from './schema.js';

export const EXPERIMENT_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.json', '.yaml', '.yml'] as const;

export interface LoadedExperiment {
  /** File name without extension: the folder name under runs/. */
  name: string;
  file: string;
  experiment: Experiment;
}

export class ExperimentNotFoundError extends CachelabError {
  constructor(path: string) {
    super(
      'EXPERIMENT_NOT_FOUND',
      `experiment "${path}" not found (tried ${EXPERIMENT_EXTENSIONS.map((e) => e).join(', ')}); list them with: ls experiments/`,
    );
  }
}

export function resolveExperimentFile(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute) && statSync(absolute).isFile()) return absolute;
  for (const extension of EXPERIMENT_EXTENSIONS) {
    if (existsSync(absolute + extension)) return absolute + extension;
  }
  throw new ExperimentNotFoundError(path);
}

/**
 * ` at line L, column C` of the first syntax error in `text` (JSON.parse's messages often give no
 * position at all), from jsonc-parser's strict scan; '' when it finds none.
 */
function jsonErrorLine(text: string): string {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return '';
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  const column = first.offset - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column} (${printParseErrorCode(first.error)})`;
}

export async function loadExperiment(path: string): Promise<LoadedExperiment> {
  const file = resolveExperimentFile(path);
  const extension = extname(file).toLowerCase();
  let raw: unknown;
  if (extension === '.json' || extension === '.yaml' || extension === '.yml') {
    const text = readFileSync(file, 'utf8');
    try {
      raw = extension === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      const where = extension === '.json' ? jsonErrorLine(text) : '';
      // yaml's message is "… at line L, column C:" followed by a code frame; the CLI prints one line.
      const message = (error as Error).message.split('\n')[0]!.replace(/:$/, '');
      throw new ConfigError(file, `not valid ${extension === '.json' ? 'JSON' : 'YAML'}${where}: ${message}`);
    }
  } else {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    if (module.default === undefined) throw new ConfigError(file, 'a TypeScript experiment must `export default` the experiment object');
    raw = module.default;
  }
  return { name: basename(file, extname(file)), file, experiment: parseExperiment(raw, file) };
}
