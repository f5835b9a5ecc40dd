import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources of the workspace packages (no build needed for unit
// tests); end-to-end tests in test/ run the built command line.
const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@encore/core': src('./packages/core/src/index.ts'),
      '@encore/eval': src('./packages/eval/src/index.ts'),
      '@encore/cooccurrence': src('./packages/cooccurrence/src/index.ts'),
      // Subpaths first: an alias also matches names that continue with '/'.
      '@encore/factorization/internal/kernels': src('./packages/factorization/src/internal/kernels.ts'),
      '@encore/factorization': src('./packages/factorization/src/index.ts'),
      '@encore/ranking': src('./packages/ranking/src/index.ts'),
      '@encore/cache': src('./packages/cache/src/index.ts'),
      '@encore/workers': src('./workers/src/index.ts'),
      '@encore/datasets': src('./datasets/src/index.ts'),
      '@encore/models': src('./packages/models/src/index.ts'),
      '@encore/jobs': src('./packages/jobs/src/index.ts'),
      '@encore/engine': src('./packages/engine/src/index.ts'),
      '@encore/cli': src('./packages/cli/src/index.ts'),
    },
  },
  test: {
    globalSetup: ['./test/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'datasets/src/**/*.test.ts',
            'workers/src/**/*.test.ts',
            'bench/src/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
      },
    ],
  },
});
