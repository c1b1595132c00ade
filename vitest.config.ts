import { defineConfig } from 'vitest/config';

// Two layers: `unit` is pure (no processes, no network); `integration` shares one real control plane
// (kube-apiserver + etcd) that the global setup starts once per run and stops at the end.
export default defineConfig({
  test: {
    reporters: ['default', './tools/test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/controller/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['./test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
