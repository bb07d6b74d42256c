/**
 * Progress bars on stderr for long work (cli-progress). Off when stderr is not a TTY, when
 * `quiet` is set, or under CI, so logs and piped JSON stay clean.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the number of finished units (monotonic). */
  update(done: number): void;
  /** Grows or shrinks the total (e.g. when a stream's length becomes known). */
  setTotal(total: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, setTotal() {}, stop() {} };

export function createProgress(label: string, total: number, options: { quiet?: boolean } = {}): Progress {
  if (options.quiet || !process.stderr.isTTY || process.env.CI) return silent;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    setTotal: (n) => bar.setTotal(n),
    stop: () => bar.stop(),
  };
}
