/** Locations inside the cachelab checkout, found from this file (works under tsx, vitest and bin/). */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The monorepo root: the nearest ancestor holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the cachelab repository root (pnpm-workspace.yaml)');
    dir = parent;
  }
  root = dir;
  return dir;
}

/** The trace the repository ships (CC BY 4.0, see traces/README.md). */
export function shippedTracePath(): string {
  return join(repoRoot(), 'traces', 'cache2k-web07.txt');
}

/** A path as shown to the user: relative to the working directory when inside it, else absolute. */
export function displayPath(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}
