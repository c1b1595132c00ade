/**
 * The closing line CI reads counts what failed, including a file that failed outside any test (a
 * beforeAll that throws leaves its tests unrun: vitest marks them skipped and the file failed).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TestModule } from 'vitest/node';
import SummaryReporter from '../../../tools/test/summary-reporter.ts';

type State = 'passed' | 'failed' | 'skipped';

function moduleOf(state: State, tests: State[]): TestModule {
  return { state: () => state, children: { allTests: () => tests.map((s) => ({ result: () => ({ state: s }) })) } } as unknown as TestModule;
}

function summaryOf(modules: TestModule[], errors: unknown[] = []): string {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  new SummaryReporter().onTestRunEnd(modules, errors);
  return log.mock.calls.map((c) => String(c[0])).join('\n');
}

describe('the summary line', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('counts passed, failed and skipped tests', () => {
    expect(summaryOf([moduleOf('failed', ['passed', 'failed', 'skipped']), moduleOf('passed', ['passed'])])).toBe('2 passed, 1 failed, 1 skipped');
  });

  it('counts a file that failed to load as a failure', () => {
    expect(summaryOf([moduleOf('failed', [])])).toBe('0 passed, 1 failed');
  });

  it('counts a file whose beforeAll threw as a failure, not only as skipped tests', () => {
    expect(summaryOf([moduleOf('failed', ['skipped', 'skipped'])])).toBe('0 passed, 1 failed, 2 skipped');
  });

  it('counts errors outside any file', () => {
    expect(summaryOf([moduleOf('passed', ['passed'])], [new Error('unhandled')])).toBe('1 passed, 1 failed');
  });
});
