/**
 * TensorFlow.js backend selection. Order: `tensorflow` (the native @tensorflow/tfjs-node, an
 * optional dependency whose install needs to download libtensorflow) → `wasm`
 * (@tensorflow/tfjs-backend-wasm, SIMD, shipped inside the npm package) → `cpu` (plain JS).
 * `CACHELAB_TF_BACKEND=tensorflow|wasm|cpu` forces one; if the forced one cannot start, that is an error.
 * A native addon that is installed but broken (as on machines without network at install time)
 * fails its import; that is caught and the next backend is tried.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CachelabError } from '@cachelab/cache-core';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
export const BACKEND_ENV_VAR = 'CACHELAB_TF_BACKEND';

export class BackendError extends CachelabError {
  constructor(message: string) {
    super('TF_BACKEND', message);
  }
}

export interface BackendChoice {
  name: BackendName;
  /** Why earlier backends in the order were skipped. */
  skipped: string[];
}

let chosen: Promise<BackendChoice> | undefined;

/**
 * Initialises the backend once per process and returns which one runs.
 * `preferred` (or the environment variable) forces a backend.
 */
export function initBackend(preferred?: BackendName): Promise<BackendChoice> {
  chosen ??= select(preferred ?? readEnvChoice());
  return chosen;
}

function readEnvChoice(): BackendName | undefined {
  return parseBackendChoice(process.env[BACKEND_ENV_VAR]);
}

/** The backend forced by an environment variable value (undefined or '' = automatic). */
export function parseBackendChoice(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(BACKEND_ORDER as readonly string[]).includes(value)) {
    throw new BackendError(`${BACKEND_ENV_VAR}=${value} is not a backend; use one of ${BACKEND_ORDER.join(', ')}`);
  }
  return value as BackendName;
}

async function select(forced: BackendName | undefined): Promise<BackendChoice> {
  const skipped: string[] = [];
  for (const name of forced ? [forced] : BACKEND_ORDER) {
    try {
      if (await tryBackend(name)) return { name, skipped };
      skipped.push(`${name}: did not initialise`);
    } catch (error) {
      skipped.push(`${name}: ${firstLine(error)}`);
    }
  }
  chosen = undefined;
  throw new BackendError(`no TensorFlow.js backend could start (${skipped.join('; ')})`);
}

async function tryBackend(name: BackendName): Promise<boolean> {
  if (name === 'tensorflow') {
    // Registers the 'tensorflow' backend on import; throws when the native addon is missing.
    const moduleName = '@tensorflow/tfjs-node';
    await import(moduleName);
  } else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the .wasm binaries are read from disk: point the loader at the package's dist/.
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.dirname(entry) + path.sep);
  }
  const ok = await tf.setBackend(name);
  if (ok) await tf.ready();
  return ok && tf.getBackend() === name;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 200);
}
