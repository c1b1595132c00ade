/**
 * `npm run crdgen`        writes crds/cairn.dev_configentries.yaml from the zod API.
 * `npm run crdgen:check`  exits 1, naming the first differing lines, when crds/ differs from the source.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, renderCrd } from './crd.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Up to `max` lines where `expected` and `actual` differ, as `line N: - actual / + expected`. */
export function describeDifference(expected: string, actual: string, max = 10): string[] {
  const want = expected.split('\n');
  const have = actual.split('\n');
  const lines: string[] = [];
  for (let i = 0; i < Math.max(want.length, have.length) && lines.length < max * 3; i++) {
    if (want[i] === have[i]) continue;
    lines.push(`line ${i + 1}:`, `  - ${have[i] ?? '(missing)'}`, `  + ${want[i] ?? '(missing)'}`);
  }
  return lines;
}

async function main(argv: readonly string[]): Promise<number> {
  const path = join(ROOT, CRD_FILE);
  const expected = renderCrd();
  if (argv.includes('--check')) {
    const actual = await readFile(path, 'utf8').catch(() => '');
    if (actual === expected) {
      console.log(`${CRD_FILE} is up to date`);
      return 0;
    }
    console.error(`${CRD_FILE} differs from src/api (- file, + generated); run \`npm run crdgen\`:`);
    for (const line of describeDifference(expected, actual)) console.error(line);
    return 1;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, expected);
  console.log(`wrote ${CRD_FILE}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
