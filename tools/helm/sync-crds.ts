/**
 * The CRDs have one source, crds/ (generated from src/api by `npm run crdgen`), and two copies that
 * installers need inside their own folders: the chart's helm/cairn/crds/ (Helm installs CRDs from
 * there) and deploy/crds/ (kustomize loads no file outside its root).
 *
 * `npm run chart:sync-crds`   copies crds/*.yaml to both, removing stale files there.
 * `npm run chart:check-crds`  exits 1, naming each difference, when a copy differs from crds/.
 * `npm run crdgen` does both steps; `npm run crdgen:check` checks both.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
export const CRD_SOURCE = 'crds';
export const CRD_COPIES: readonly string[] = ['helm/cairn/crds', 'deploy/crds'];

const yamlFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort() : []);

/** Every way the copies differ from the source: missing, stale or changed files. Empty when in sync. */
export function crdCopyDifferences(root: string = ROOT): string[] {
  const source = join(root, CRD_SOURCE);
  const wanted = yamlFiles(source);
  const problems: string[] = [];
  for (const copy of CRD_COPIES) {
    const have = yamlFiles(join(root, copy));
    for (const file of wanted) {
      if (!have.includes(file)) problems.push(`${copy}/${file} is missing`);
      else if (readFileSync(join(root, copy, file), 'utf8') !== readFileSync(join(source, file), 'utf8')) problems.push(`${copy}/${file} differs from ${CRD_SOURCE}/${file}`);
    }
    for (const file of have) if (!wanted.includes(file)) problems.push(`${copy}/${file} has no source in ${CRD_SOURCE}/`);
  }
  return problems;
}

/** Makes every copy equal to the source; returns the files written or removed. */
export function syncCrdCopies(root: string = ROOT): string[] {
  const source = join(root, CRD_SOURCE);
  const wanted = yamlFiles(source);
  const changed: string[] = [];
  for (const copy of CRD_COPIES) {
    const dir = join(root, copy);
    mkdirSync(dir, { recursive: true });
    for (const file of yamlFiles(dir)) {
      if (!wanted.includes(file)) {
        rmSync(join(dir, file));
        changed.push(`removed ${copy}/${file}`);
      }
    }
    for (const file of wanted) {
      const target = join(dir, file);
      if (existsSync(target) && readFileSync(target, 'utf8') === readFileSync(join(source, file), 'utf8')) continue;
      copyFileSync(join(source, file), target);
      changed.push(`wrote ${copy}/${file}`);
    }
  }
  return changed;
}

function main(argv: readonly string[]): number {
  if (argv.includes('--check')) {
    const problems = crdCopyDifferences();
    if (problems.length === 0) {
      console.log(`${CRD_COPIES.join(' and ')} match ${CRD_SOURCE}/`);
      return 0;
    }
    console.error(`CRD copies differ from ${CRD_SOURCE}/; run \`npm run chart:sync-crds\`:`);
    for (const problem of problems) console.error(`  ${problem}`);
    return 1;
  }
  const changed = syncCrdCopies();
  console.log(changed.length === 0 ? `${CRD_COPIES.join(' and ')} already match ${CRD_SOURCE}/` : changed.join('\n'));
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
