import { defineConfig } from 'vitest/config';

const packages = ['cache-core', 'markov', 'rl-agent', 'cli'];

export default defineConfig({
  test: {
    projects: packages.map((name) => ({
      test: {
        name,
        root: `packages/${name}`,
        include: ['test/**/*.test.ts'],
        benchmark: { include: ['bench/**/*.bench.ts'] },
        testTimeout: 60_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
