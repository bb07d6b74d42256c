/**
 * What produced a result: git commit, tool and package versions, TF backend, trace checksums,
 * timings. Manifests hold everything that varies between two otherwise identical runs, so that
 * summary.json can stay byte-identical.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export interface TraceChecksum {
  path: string;
  sha256: string;
  bytes: number;
}

export interface Manifest {
  command: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  gitCommit: string | null;
  gitDirty: boolean | null;
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  packages: Record<string, string>;
  tfBackend: string | null;
  traces: TraceChecksum[];
}

let cachedGit: { commit: string | null; dirty: boolean | null } | undefined;

/** `git rev-parse HEAD` of the checkout, or null outside a git work tree / without git. */
export function gitState(): { commit: string | null; dirty: boolean | null } {
  if (cachedGit) return cachedGit;
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
  try {
    const commit = git(['rev-parse', 'HEAD']);
    let dirty: boolean | null = null;
    try {
      dirty = git(['status', '--porcelain', '--untracked-files=no']).length > 0;
    } catch {
      dirty = null;
    }
    cachedGit = { commit, dirty };
  } catch {
    cachedGit = { commit: null, dirty: null };
  }
  return cachedGit;
}

let cachedVersions: Record<string, string> | undefined;

/** Versions of the workspace packages and of the libraries whose behaviour shapes results. */
export function packageVersions(): Record<string, string> {
  if (cachedVersions) return cachedVersions;
  const versions: Record<string, string> = {};
  const packagesDir = join(repoRoot(), 'packages');
  for (const entry of readdirSync(packagesDir).sort()) {
    try {
      const pkg = JSON.parse(readFileSync(join(packagesDir, entry, 'package.json'), 'utf8')) as { name: string; version: string };
      versions[pkg.name] = pkg.version;
    } catch {
      // not a package folder
    }
  }
  for (const [dependency, from] of [
    ['@tensorflow/tfjs', 'rl-agent'],
    ['vega', 'cli'],
    ['vega-lite', 'cli'],
  ] as const) {
    try {
      const file = join(packagesDir, from, 'node_modules', dependency, 'package.json');
      versions[dependency] = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    } catch {
      // dependency not installed
    }
  }
  cachedVersions = versions;
  return versions;
}

/**
 * `cachelab --version`: the CLI's version and the commit it runs from, as a manifest records them
 * (a figure quoted with this line can be traced to the code that produced it).
 */
export function versionLine(): string {
  const version = packageVersions()['@cachelab/cli'] ?? 'unknown';
  const git = gitState();
  if (git.commit === null) return `cachelab ${version} (not a git checkout)`;
  return `cachelab ${version} (git ${git.commit.slice(0, 12)}${git.dirty ? ', uncommitted changes' : ''})`;
}

export interface ManifestInput {
  command: string;
  startedAt: Date;
  finishedAt: Date;
  tfBackend: string | null;
  traces: TraceChecksum[];
}

export function buildManifest(input: ManifestInput): Manifest {
  const git = gitState();
  return {
    command: input.command,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    gitCommit: git.commit,
    gitDirty: git.dirty,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    packages: packageVersions(),
    tfBackend: input.tfBackend,
    traces: input.traces,
  };
}
