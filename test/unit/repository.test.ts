import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
/** Larger than any source, lockfile or generated descriptor the repository holds; binaries are built and cached, never committed. */
const MAX_TRACKED_BYTES = 5 * 1024 * 1024;

describe('the repository', () => {
  it('tracks no file over 5 MiB (binaries are built into the cache, never committed)', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((f) => f !== '');
    expect(tracked.length).toBeGreaterThan(100);
    const large = tracked.filter((f) => statSync(join(ROOT, f), { throwIfNoEntry: false })?.isFile() && statSync(join(ROOT, f)).size > MAX_TRACKED_BYTES);
    expect(large).toEqual([]);
  });
});
