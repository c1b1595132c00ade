/** The CRD copies the installers carry (helm/cairn/crds, deploy/crds) are byte-equal to crds/. */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRD_COPIES, crdCopyDifferences, syncCrdCopies } from '../../../tools/helm/sync-crds.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function scratchCopyOfRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'cairn-crds-'));
  cpSync(join(ROOT, 'crds'), join(root, 'crds'), { recursive: true });
  for (const copy of CRD_COPIES) cpSync(join(ROOT, copy), join(root, copy), { recursive: true });
  return root;
}

describe('CRD copies', () => {
  it('match crds/ in this repository (else run `npm run chart:sync-crds`)', () => {
    expect(crdCopyDifferences()).toEqual([]);
  });

  it('are reported when changed, missing or stale, and repaired by a sync', () => {
    const root = scratchCopyOfRepo();
    writeFileSync(join(root, 'helm/cairn/crds/cairn.dev_configentries.yaml'), '# edited by hand\n');
    writeFileSync(join(root, 'deploy/crds/old.yaml'), 'kind: Old\n');
    expect(crdCopyDifferences(root)).toEqual(['helm/cairn/crds/cairn.dev_configentries.yaml differs from crds/cairn.dev_configentries.yaml', 'deploy/crds/old.yaml has no source in crds/']);
    expect(syncCrdCopies(root)).toEqual(['wrote helm/cairn/crds/cairn.dev_configentries.yaml', 'removed deploy/crds/old.yaml']);
    expect(crdCopyDifferences(root)).toEqual([]);
  });
});
