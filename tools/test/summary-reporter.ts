/**
 * Prints the closing line CI reads, `N passed, N failed` (with `, N skipped` when any were skipped),
 * after vitest's own summary. Counts test cases, not files, and one failure for a file that failed
 * outside any test.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[], errors: readonly unknown[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failedTests += 1;
        else skipped += 1;
      }
      failed += failedTests;
      // A file that failed outside its tests (it did not load, or a beforeAll/afterAll threw, which
      // leaves the tests skipped) is a failure of its own.
      if (module.state() === 'failed' && failedTests === 0) failed += 1;
    }
    failed += errors.length;
    console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  }
}
