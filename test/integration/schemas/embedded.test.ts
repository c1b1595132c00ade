/**
 * The embedded schemas as ConfigSchemas, on a control plane of this file's own (their admission
 * policies are cluster-wide, and other files on the shared apiserver apply invalid embedded data on
 * purpose): entries committed by an operator without the engine (zod) stay Ready, untouched, once an
 * operator with the engine takes over; `kubectl get configschemas` then lists every embedded id,
 * Ready; an invalid entry of an embedded schema fails `kubectl apply` with the field's message, and
 * so does a bundle with an invalid member (naming the member); a deprecated version warns; an edit of
 * an embedded ConfigSchema is undone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../../../tools/controlplane/control-plane.ts';
import { installCrds } from '../../../tools/controlplane/install-crds.ts';
import { type OperatorProcess, startOperatorProcess } from '../../../tools/controlplane/operator-process.ts';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { uniqueName } from '../../support/cluster.ts';
import { validatorWasmPath } from '../../support/engine.ts';
import { eventually } from '../../support/fixture.ts';

const NAMESPACE = 'embedded';
const PREFIX = '/embedded';
/** One entry per embedded id, each its schema's example (valid by zod, committed before the engine runs). */
/** The new operator's successful reconciles of entries (each entry counts once at least). */
const RECONCILED = 'controller_runtime_reconcile_total{controller="configentry",result="success"}';
const EXISTING = ['database@v1', 'feature-flags@v1', 'rate-limits@v1', 'service-endpoints@v1'];

let cp: ControlPlane;
let operator: OperatorProcess | undefined;

function kubectl(args: readonly string[], input?: unknown): { ok: boolean; stdout: string; stderr: string } {
  const run = spawnSync(cp.info.kubectl, ['--kubeconfig', cp.info.kubeconfig, ...args], { input: input === undefined ? undefined : JSON.stringify(input), encoding: 'utf8' });
  return { ok: run.status === 0, stdout: run.stdout, stderr: run.stderr };
}

function entry(name: string, schema: string, data: unknown): unknown {
  return { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name, namespace: NAMESPACE }, spec: { schema, data } };
}

function example(id: string): Record<string, unknown> {
  return structuredClone(lookupSchema(id)?.example) as Record<string, unknown>;
}

interface Listed {
  items: { metadata: { name: string }; spec: { schema: string }; status?: { revision?: string; conditions?: { type: string; status: string }[] } }[];
}

function readyEntries(): Map<string, string> {
  const listed = JSON.parse(kubectl(['get', 'configentries', '-n', NAMESPACE, '-o', 'json']).stdout) as Listed;
  return new Map(listed.items.filter((i) => i.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((i) => [i.metadata.name, i.status?.revision ?? '']));
}

async function startCairn(args: readonly string[]): Promise<OperatorProcess> {
  return startOperatorProcess({
    kubeconfig: cp.info.kubeconfig,
    storeEndpoints: cp.info.storeEndpoints,
    dir: mkdtempSync(join(tmpdir(), 'cairn-op-')),
    args: [`--watch-namespace=${NAMESPACE}`, `--prefix=${PREFIX}`, `--identity=${uniqueName('embedded')}`, '--no-leader-elect', '--log-level=debug', ...args],
  });
}

beforeAll(async () => {
  cp = await startControlPlane({ members: 1 });
  await installCrds(cp.info);
  expect(kubectl(['create', 'namespace', NAMESPACE]).ok).toBe(true);
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await cp?.stop();
});

describe('embedded schemas through the engine, listed as ConfigSchemas', () => {
  let committed = new Map<string, string>();

  it('commits an entry of each embedded schema with an operator without the engine (zod)', async () => {
    operator = await startCairn([]);
    for (const id of EXISTING) expect(kubectl(['apply', '-f', '-'], entry(id.replace('@', '-'), id, example(id))).stderr).toBe('');
    committed = await eventually('every entry Ready', async () => {
      const ready = readyEntries();
      return ready.size === EXISTING.length ? ready : undefined;
    }, 60_000);
    expect(kubectl(['get', 'configschemas', '-o', 'name']).stdout.trim()).toBe(''); // none without the engine
    await operator.stop();
    operator = undefined;
  }, 120_000);

  it('lists database, feature-flags, rate-limits and service-endpoints with their versions, Ready, once the engine runs', async () => {
    operator = await startCairn([`--schema-engine-file=${validatorWasmPath()}`]);
    const rows = await eventually('the embedded ConfigSchemas Ready', async () => {
      const listed = kubectl(['get', 'configschemas', '-l', 'cairn.dev/embedded=true', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name,VERSIONS:.status.servedVersions,READY:.status.conditions[?(@.type=="Ready")].status']);
      const lines = listed.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
      return lines.length === 4 && lines.every((l) => l[2] === 'True') ? lines : undefined;
      // Generous: the apiserver compiles each generated policy (30 to 90 KB of CEL) on apply, which
      // took over 30 s a policy on the loaded test machine (the operator's request times out, retries).
    }, 400_000);
    expect(rows).toEqual([
      ['database', 'v1', 'True'],
      ['feature-flags', 'v1,v2', 'True'],
      ['rate-limits', 'v1', 'True'],
      ['service-endpoints', 'v1', 'True'],
    ]);
    // The default table, as a person reads it.
    expect(kubectl(['get', 'configschemas']).stdout).toMatch(/^feature-flags\s+v1,v2\s+1\s+True/m);
  }, 450_000);

  it('keeps the entries committed by zod Ready and unwritten: the engine gives them the same value', async () => {
    // Ready since the first operator committed them, so wait on the new operator's own count of
    // successful entry reconciles, not on their Ready condition.
    const current = operator;
    if (current === undefined) throw new Error('no operator running');
    await eventually('the entries reconciled by the new operator', async () => ((await current.metric(RECONCILED)) >= EXISTING.length ? true : undefined), 30_000);
    expect(readyEntries()).toEqual(committed);
  });

  /**
   * `kubectl apply` of `object`, once its schema's policy is in force: each binding takes effect when
   * the apiserver's policy cache catches up, so probe with server-side dry runs first (they create
   * nothing; a real apply admitted too early would leave an object behind).
   */
  async function applyOncePolicyInForce(object: unknown): Promise<{ ok: boolean; stderr: string }> {
    await eventually('the policy in force', async () => (kubectl(['create', '--dry-run=server', '-f', '-'], object).ok ? undefined : true), 30_000);
    return kubectl(['apply', '-f', '-'], object);
  }

  it('refuses an invalid entry of an embedded schema at kubectl apply, with the field\'s message', async () => {
    const wrongType = await applyOncePolicyInForce(entry('bad-port', 'database@v1', { ...example('database@v1'), port: '5432' }));
    expect(wrongType.ok).toBe(false);
    expect(wrongType.stderr).toContain('spec.data.port');
    const crossField = kubectl(['apply', '-f', '-'], entry('bad-pool', 'database@v1', { ...example('database@v1'), pool: { min: 30, max: 20 } }));
    expect(crossField.ok).toBe(false);
    expect(crossField.stderr).toContain('spec.data.pool.min');
    expect(crossField.stderr).toContain('must not be greater than pool.max');
    const v2 = example('feature-flags@v2') as { flags: Record<string, { booleanVariants?: unknown; stringVariants?: unknown }> };
    v2.flags['new-checkout']!.stringVariants = { a: 'b' }; // two typed maps on one flag
    const twoMaps = await applyOncePolicyInForce(entry('bad-flags', 'feature-flags@v2', v2));
    expect(twoMaps.ok).toBe(false);
    expect(twoMaps.stderr).toContain('must set exactly one of booleanVariants, stringVariants or numberVariants');
  }, 90_000);

  it('refuses a bundle with an invalid member of an embedded schema at kubectl apply, naming the member; warns for a member of a deprecated version', async () => {
    const bundle = (name: string, members: unknown[]) => ({ apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigBundle', metadata: { name, namespace: NAMESPACE }, spec: { members } });
    const badPort = bundle('bad-members', [
      { key: 'checkout/flags', schema: 'feature-flags@v2', data: example('feature-flags@v2') },
      { key: 'checkout/db', schema: 'database@v1', data: { ...example('database@v1'), port: '5432' } },
    ]);
    const refused = await applyOncePolicyInForce(badPort);
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toContain('member checkout/db (spec.members[1]): spec.members[1].data.port');
    const oldFlags = bundle('old-flags', [{ key: 'checkout/old-flags', schema: 'feature-flags@v1', data: example('feature-flags@v1') }]);
    const warned = await eventually('the deprecation warning', async () => {
      const attempt = kubectl(['create', '--dry-run=server', '-f', '-'], oldFlags);
      return attempt.stderr.includes('deprecated') ? attempt : undefined;
    }, 30_000);
    expect(warned.ok).toBe(true);
    expect(warned.stderr).toContain('feature-flags@v1 is deprecated');
  }, 60_000);

  it('commits a valid entry of feature-flags@v2, and warns at the apply of a feature-flags@v1 entry (deprecated)', async () => {
    expect(kubectl(['apply', '-f', '-'], entry('flags-v2', 'feature-flags@v2', example('feature-flags@v2'))).ok).toBe(true);
    await eventually('flags-v2 Ready', async () => (readyEntries().has('flags-v2') ? true : undefined), 30_000);
    const v1 = kubectl(['apply', '-f', '-'], entry('flags-v1-new', 'feature-flags@v1', example('feature-flags@v1')));
    expect(v1.ok).toBe(true);
    expect(v1.stderr).toContain('Warning');
    expect(v1.stderr).toContain('feature-flags@v1 is deprecated');
    await eventually('flags-v1-new Ready', async () => (readyEntries().has('flags-v1-new') ? true : undefined), 30_000);
  }, 60_000);

  it('undoes an edit of an embedded ConfigSchema', async () => {
    expect(kubectl(['patch', 'configschema', 'database', '--type=merge', '-p', JSON.stringify({ spec: { description: 'mine now' } })]).ok).toBe(true);
    const restored = await eventually('the description restored', async () => {
      const description = JSON.parse(kubectl(['get', 'configschema', 'database', '-o', 'json']).stdout) as { spec: { description: string } };
      return description.spec.description === lookupSchema('database@v1')?.description ? true : undefined;
    }, 30_000);
    expect(restored).toBe(true);
  });
});
