/** Typo guard for option objects: `{ maxEntires: 10 }` must fail, not silently mean "unbounded". */
import { ConfigError } from './errors.js';

/** Throws a ConfigError naming the first field of `options` not in `known` (`prefix` + field). */
export function rejectUnknownFields(options: object, known: ReadonlySet<string>, prefix = ''): void {
  for (const field of Object.keys(options)) {
    if (!known.has(field)) throw new ConfigError(`${prefix}${field}`, `unknown option; known options are ${[...known].join(', ')}`);
  }
}
