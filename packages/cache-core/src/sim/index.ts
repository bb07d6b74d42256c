export * from './replay.js';
export * from './capacity.js';
export * from './mrc.js';
export type { MrcJob, ReplayColumns } from './mrc-job.js';
