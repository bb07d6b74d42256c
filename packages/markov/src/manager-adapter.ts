/**
 * Turns predictions into CacheManager prefetch items (`prefetchMany(items)` takes
 * `[endpoint, params, priority]`): the application says which request a key id stands for
 * (`resolve`), and the predicted probability becomes the priority, so the manager's prefetch
 * queue fetches the likeliest first. Keys the application cannot resolve are skipped.
 */
import type { Prediction } from './types.js';

export type PrefetchItem<P> = [endpoint: string, params: P, priority: number];

/** Maps a key id back to the request it stands for, or undefined when it cannot be fetched. */
export type KeyResolver<P> = (key: number) => readonly [endpoint: string, params: P] | undefined;

export interface PrefetchItemOptions {
  /** Least probability worth a prefetch. Default 0. */
  threshold?: number;
  /** Most items. Default: all. */
  max?: number;
}

export function toPrefetchItems<P>(predictions: readonly Prediction[], resolve: KeyResolver<P>, options: PrefetchItemOptions = {}): PrefetchItem<P>[] {
  const threshold = options.threshold ?? 0;
  const max = options.max ?? Infinity;
  const items: PrefetchItem<P>[] = [];
  for (const { key, probability } of predictions) {
    if (items.length >= max) break;
    if (probability < threshold) continue;
    const request = resolve(key);
    if (request) items.push([request[0], request[1], probability]);
  }
  return items;
}
