export * from './errors.js';
export * from './traces/index.js';
export * from './policies/index.js';
export * from './sim/index.js';
export * from './backends/index.js';
export * from './manager/index.js';
export * from './canonical-json.js';
export * from './sha256.js';
