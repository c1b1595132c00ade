/**
 * `npm run crdgen`        writes every CRD in crds/ (configentries, configschemas) from the zod API.
 * `npm run crdgen:check`  exits 1, naming the first differing lines, when crds/ differs from the source.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAllCrds } from './crd.ts';

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
  const check = argv.includes('--check');
  let differing = 0;
  for (const { file, content: expected } of renderAllCrds()) {
    const path = join(ROOT, file);
    if (check) {
      const actual = await readFile(path, 'utf8').catch(() => '');
      if (actual === expected) {
        console.log(`${file} is up to date`);
        continue;
      }
      differing++;
      console.error(`${file} differs from src/api (- file, + generated); run \`npm run crdgen\`:`);
      for (const line of describeDifference(expected, actual)) console.error(line);
      continue;
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, expected);
    console.log(`wrote ${file}`);
  }
  return differing === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
