/**
 * The logging the CacheManager needs. Any object with these four methods fits (console, pino,
 * winston). The manager logs start/stop and evictions at info, refused values and corrupt
 * entries at warn, and each hit / miss at debug only — with the key as a separate argument, so a
 * no-op `debug` costs nothing per request.
 */
export interface CacheLogger {
  debug(message: string, detail?: unknown): void;
  info(message: string, detail?: unknown): void;
  warn(message: string, detail?: unknown): void;
  error(message: string, detail?: unknown): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const noop = () => {};

/** A console logger that drops messages below `level` (default `warn`). Writes to stderr. */
export function createConsoleLogger(level: LogLevel = 'warn'): CacheLogger {
  const threshold = LEVELS.indexOf(level);
  const at = (name: Exclude<LogLevel, 'silent'>) => {
    if (LEVELS.indexOf(name) < threshold) return noop;
    return (message: string, detail?: unknown) => {
      if (detail === undefined) console.error(`[cachelab ${name}] ${message}`);
      else console.error(`[cachelab ${name}] ${message}`, detail);
    };
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Drops everything. */
export const silentLogger: CacheLogger = { debug: noop, info: noop, warn: noop, error: noop };
