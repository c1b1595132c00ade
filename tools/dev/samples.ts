/**
 * Applies deploy/samples/ the way a user would (kubectl apply, file by file), waits until every
 * accepted entry and bundle has settled, and reports each one with its status and what etcd holds.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { parse } from 'yaml';
import { lookupSchema } from '../../src/schemas/index.ts';
import type { ControlPlaneInfo } from '../controlplane/control-plane.ts';
import { KubectlError, kubectl } from '../controlplane/kubectl.ts';
import { sleep } from '../controlplane/processes.ts';

const SAMPLES = join(import.meta.dirname, '..', '..', 'deploy', 'samples');
export const DEMO_NAMESPACE = 'cairn-demo';
/** Applied first (files apply in name order): the demo namespace. */
const NAMESPACE_FILE = '00-namespace.yaml';

export interface SampleReport {
  readonly file: string;
  readonly name: string;
  readonly outcome: string;
  readonly revision: string;
  readonly detail: string;
}

interface Listed {
  items: {
    metadata: { name: string; generation?: number };
    status?: { observedGeneration?: number; revision?: string; key?: string; members?: { key: string }[]; conditions?: { type: string; status: string; reason: string; message: string }[] };
  }[];
}

/**
 * Applies every sample file; returns the files the apiserver refused, with its message. The
 * ConfigSchemas an invalid sample names are waited for until Ready and their admission policies in
 * force (the apiserver's policy cache follows the binding within moments), so the invalid entries
 * meet the policy as a user would; no other schema is waited for (the valid samples need none).
 * Every wait ends with a ShutdownError as soon as the tool stops (kubectl and sleep, processes.ts).
 */
export async function applySamples(info: ControlPlaneInfo, log: (line: string) => void): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.yaml')).sort();
  for (const file of files) {
    try {
      await kubectl(info, ['apply', '-f', join(SAMPLES, file)]);
    } catch (error) {
      if (!(error instanceof KubectlError)) throw error;
      // The policy's and binding's names say nothing a person needs; the field's message does.
      refused.set(file, error.stderr.replace(/\s+/g, ' ').replace(/: ValidatingAdmissionPolicy '[^']*' with binding '[^']*' denied request/, ' (admission policy)'));
      continue;
    }
    if (file === NAMESPACE_FILE) {
      // The operator creates the embedded schemas' ConfigSchemas at start: wait for those the invalid
      // samples name, and their policies (probed in the namespace), so those samples meet the policy.
      const invalid = files.filter((f) => f.startsWith('invalid-') && embeddedSchemaOf(f) !== undefined);
      const names = [...new Set(invalid.map((f) => embeddedSchemaOf(f) ?? ''))].sort();
      await timed(log, `the embedded ConfigSchemas the invalid samples name (${names.join(', ')}) and their policies`, async () => {
        await waitForEmbeddedSchemas(info, names);
        await waitForPolicies(invalid, info);
      });
    }
    const schema = /^\d+-([a-z0-9-]+)-schema\.yaml$/.exec(file)?.[1];
    if (schema !== undefined) await timed(log, `ConfigSchema ${schema} and its policy`, () => waitForSchema(info, schema, files.filter((f) => f.startsWith(`invalid-${schema}`))));
  }
  return refused;
}

/** Runs `wait`, saying what it waits for and then how long it took (the slow part of the samples). */
async function timed(log: (line: string) => void, what: string, wait: () => Promise<void>): Promise<void> {
  const started = Date.now();
  log(`waiting for ${what}`);
  await wait();
  log(`  ... ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/** The name of the embedded schema the sample's entry names (its ConfigSchema's name), if any. */
function embeddedSchemaOf(file: string): string | undefined {
  const object = parse(readFileSync(join(SAMPLES, file), 'utf8')) as { spec?: { schema?: string } } | null;
  const id = object?.spec?.schema ?? '';
  return lookupSchema(id) === undefined ? undefined : id.split('@')[0];
}

/**
 * Waits (90 s at most, then goes on) until the embedded schemas' ConfigSchemas named exist and are
 * Ready. Best effort: the apiserver compiles each generated policy on apply, which takes long on a
 * loaded machine; invalid samples applied before a policy is in force are refused at commit instead.
 */
async function waitForEmbeddedSchemas(info: ControlPlaneInfo, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const deadline = Date.now() + 90_000;
  const objects = names.map((n) => `configschema/${n}`);
  // kubectl wait fails at once on an object that does not exist yet: wait for the objects first.
  const present = async (): Promise<number> => (await kubectl(info, ['get', ...objects, '--ignore-not-found', '-o', 'name'])).trim().split('\n').filter(Boolean).length;
  while (Date.now() < deadline && (await present()) < names.length) await sleep(200);
  const left = Math.max(1, Math.round((deadline - Date.now()) / 1000));
  await kubectl(info, ['wait', '--for=condition=Ready', ...objects, `--timeout=${left}s`]).catch((error: unknown) => {
    if (!(error instanceof KubectlError)) throw error; // ShutdownError: the tool is stopping
  });
}

async function waitForSchema(info: ControlPlaneInfo, name: string, invalidFiles: readonly string[]): Promise<void> {
  await kubectl(info, ['wait', '--for=condition=Ready', `configschema/${name}`, '--timeout=180s']);
  await waitForPolicies(invalidFiles, info);
}

/** Waits (15 s at most) until a server-side dry run of each of `invalidFiles` is refused: its policy is in force. */
async function waitForPolicies(invalidFiles: readonly string[], info: ControlPlaneInfo): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (const file of invalidFiles) {
    while (Date.now() < deadline) {
      const refused = await kubectl(info, ['apply', '--dry-run=server', '-f', join(SAMPLES, file)]).then(
        () => false,
        (error: unknown) => {
          if (error instanceof KubectlError) return true;
          throw error; // ShutdownError: the tool is stopping, not a refusal
        },
      );
      if (refused) break;
      await sleep(100);
    }
  }
}

function settled(item: Listed['items'][number]): boolean {
  const ready = item.status?.conditions?.find((c) => c.type === 'Ready');
  return item.status?.observedGeneration === item.metadata.generation && (ready?.status === 'True' || item.status?.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True') === true);
}

/** Waits until every entry and bundle in the demo namespace has settled (Ready or Stalled), then reports them. */
export async function reportSamples(info: ControlPlaneInfo, refused: Map<string, string>, timeoutMs = 30_000): Promise<SampleReport[]> {
  const deadline = Date.now() + timeoutMs;
  let listed: Listed = { items: [] };
  let bundles: Listed = { items: [] };
  for (;;) {
    listed = JSON.parse(await kubectl(info, ['get', 'configentries', '-n', DEMO_NAMESPACE, '-o', 'json'])) as Listed;
    bundles = JSON.parse(await kubectl(info, ['get', 'configbundles', '-n', DEMO_NAMESPACE, '-o', 'json'])) as Listed;
    if ([...listed.items, ...bundles.items].every(settled) || Date.now() > deadline) break;
    await sleep(100);
  }
  const etcd = new Etcd3({ hosts: [...info.storeEndpoints], defaultCallOptions: { deadline: Date.now() + 10_000 } });
  try {
    const reports: SampleReport[] = [];
    for (const item of listed.items) {
      const ready = item.status?.conditions?.find((c) => c.type === 'Ready');
      const value = item.status?.key ? await etcd.get(item.status.key).string() : null;
      reports.push({
        file: '',
        name: item.metadata.name,
        outcome: ready ? `${ready.status === 'True' ? 'Ready' : 'Not ready'} (${ready.reason})` : 'no status yet',
        revision: item.status?.revision ?? '-',
        detail: ready?.status === 'True' ? `etcd ${item.status?.key} = ${value ?? '(absent!)'}` : (ready?.message ?? ''),
      });
    }
    for (const item of bundles.items) {
      const ready = item.status?.conditions?.find((c) => c.type === 'Ready');
      const members = (item.status?.members ?? []).map((m) => m.key).join(', ');
      reports.push({
        file: '',
        name: `${item.metadata.name} (bundle)`,
        outcome: ready ? `${ready.status === 'True' ? 'Ready' : 'Not ready'} (${ready.reason})` : 'no status yet',
        revision: item.status?.revision ?? '-',
        detail: ready?.status === 'True' ? `one transaction: ${members}` : (ready?.message ?? ''),
      });
    }
    for (const [file, message] of refused) reports.push({ file, name: file.replace(/\.yaml$/, ''), outcome: 'refused at apply', revision: '-', detail: message });
    return reports;
  } finally {
    etcd.close();
  }
}

export function formatReports(reports: readonly SampleReport[]): string {
  const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  return reports
    .map((r) => `  ${r.name.padEnd(26)} ${r.outcome.padEnd(30)} rev ${r.revision.padEnd(6)}\n      ${clip(r.detail, 150)}`)
    .join('\n');
}
