/**
 * Progress on stderr for long work. On a terminal, a cli-progress bar. When stderr is a file or a
 * pipe (`cachelab run … 2> log`, nohup), a plain line every PROGRESS_LINE_INTERVAL_MS instead, so
 * a long run in a log still shows how far it is; work shorter than the interval prints nothing.
 * Off with `quiet` or under CI, so CI logs and piped JSON stay clean.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the number of finished units (monotonic). */
  update(done: number): void;
  /** Grows or shrinks the total (e.g. when a stream's length becomes known). */
  setTotal(total: number): void;
  stop(): void;
}

/** How often a progress line is written when stderr is not a terminal. */
export const PROGRESS_LINE_INTERVAL_MS = 30_000;

const silent: Progress = { update() {}, setTotal() {}, stop() {} };

/**
 * `timer`: work whose units finish off the main thread (worker cells) also gets lines while no
 * unit finishes; the caller must then stop() in a finally block. `estimate: false` leaves out the
 * time left, for units of very different cost (a run's trainings, then its quick replays).
 */
export function createProgress(label: string, total: number, options: { quiet?: boolean; timer?: boolean; estimate?: boolean; alreadyDone?: number } = {}): Progress {
  if (options.quiet || process.env.CI) return silent;
  const estimate = options.estimate ?? true;
  if (!process.stderr.isTTY) return lineProgress(label, total, (line) => process.stderr.write(line), { timer: options.timer ?? false, estimate, alreadyDone: options.alreadyDone ?? 0 });
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total}${estimate ? ' | ETA {eta_formatted}' : ''}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, options.alreadyDone ?? 0);
  return {
    update: (done) => bar.update(done),
    setTotal: (n) => bar.setTotal(n),
    stop: () => bar.stop(),
  };
}

export interface LineProgressOptions {
  intervalMs?: number;
  /** Milliseconds since some fixed point (injectable for tests). */
  now?: () => number;
  /** Also write from an unref'd timer (default off), for work that reports rarely but leaves the event loop free (worker cells). */
  timer?: boolean;
  /** Say how long is left (default on); off for units of very different cost, where it would mislead. */
  estimate?: boolean;
  /** Units done before the work started (skipped as complete), left out of the rate the estimate uses. */
  alreadyDone?: number;
}

/**
 * Writes `label: done/total (p %), … elapsed, about … left` at most once per interval, checked on
 * every update (and by a timer with `timer`); stop() writes a last line only if one was written
 * before, so short work stays silent.
 */
export function lineProgress(label: string, total: number, write: (line: string) => void, options: LineProgressOptions = {}): Progress {
  const interval = options.intervalMs ?? PROGRESS_LINE_INTERVAL_MS;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let lastLine = started;
  let written = false;
  let done = 0;
  // Units done before this work started (a resumed run's skipped cells) took no time here: the
  // estimate is from the rate of the rest.
  const before = options.alreadyDone ?? 0;
  let all = total;
  const line = (at: number): void => {
    written = true;
    lastLine = at;
    const elapsed = at - started;
    const share = all > 0 ? Math.min(1, done / all) : 0;
    const percent = all > 0 ? ` (${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %)` : '';
    const worked = done - before;
    const left = options.estimate !== false && worked > 0 && done < all ? `, about ${duration((elapsed * (all - done)) / worked)} left` : '';
    write(`${label}: ${done}/${all}${percent}, ${duration(elapsed)} elapsed${left}\n`);
  };
  const due = (): void => {
    const at = now();
    if (at - lastLine >= interval) line(at);
  };
  const timer = options.timer ? setInterval(due, interval) : null;
  timer?.unref();
  return {
    update(value) {
      done = value;
      due();
    },
    setTotal(n) {
      all = n;
    },
    stop() {
      if (timer) clearInterval(timer);
      if (written) line(now());
    },
  };
}

/** 75 s → "1 min 15 s", 3,725 s → "1 h 2 min". */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
