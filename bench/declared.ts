/**
 * What declaring a schema costs an entry (issue 9: schemas.declaredVsEmbeddedP50): apply -> Ready of
 * entries naming a declared ConfigSchema against entries naming the embedded schema it copies, with
 * Cairn (and its schema engine) started on a namespace and prefix of its own. One stream, interleaved
 * (even creates embedded, odd declared), so drift of a shared machine falls on both alike; WARMUP of
 * each first, not counted. The declared schema is database@v1's openAPIV3Schema under another name:
 * the same data, validated at admission by the generated policy and at commit by the engine, against
 * no policy and zod. Every value is then checked in etcd against zod's canonical value (the engine
 * must default exactly as zod does for this schema).
 */
import type { Etcd3 } from 'etcd3';
import type { OperatorProcess } from '../tools/controlplane/operator-process.ts';
import { exportOpenAPIV3Schema } from '../src/schemas/json-schema.ts';
import { WARMUP } from './floor.ts';
import type { RawKube } from './raw-kube.ts';
import { openLoop, round, summarize, type Summary, until } from './stats.ts';
import { WatchTracker } from './watch-tracker.ts';
import { canonicalOf, dataFor, entriesPath, entryBody, SCHEMA } from './workload.ts';

const DECLARED_NAME = 'bench-declared-database';
const DECLARED = `${DECLARED_NAME}@v1`;

export interface DeclaredFigures {
  readonly embeddedMs: Summary;
  readonly declaredMs: Summary;
  readonly declaredVsEmbeddedP50: number;
  /** Entries not Ready or not as zod would store them. */
  readonly wrong: readonly string[];
}

/** `start` must start Cairn with --schema-engine-file, watching `where.namespace`, writing under `where.prefix`. */
export async function measureDeclaredVsEmbedded(
  start: () => Promise<OperatorProcess>,
  kube: RawKube,
  etcd: Etcd3,
  where: { readonly namespace: string; readonly prefix: string },
  options: { readonly samples: number; readonly rate: number },
): Promise<DeclaredFigures> {
  const operator = await start();
  const tracker = await WatchTracker.start(kube, where.namespace);
  try {
    await declare(kube, where.namespace);
    const sent: [string, Record<string, unknown>][] = [];
    const run = async (label: string, count: number): Promise<{ embedded: number[]; declared: number[] }> => {
      const embedded: number[] = [];
      const declared: number[] = [];
      await openLoop(2 * count, options.rate, async (k) => {
        const isDeclared = k % 2 === 1;
        const name = `${label}-${isDeclared ? 'decl' : 'emb'}-${k >> 1}`;
        const data = dataFor(sent.length);
        sent.push([name, data]);
        const ready = tracker.whenReady(name, 1);
        const t0 = performance.now();
        await kube.send('POST', entriesPath(where.namespace), entryBody(where.namespace, name, data, isDeclared ? DECLARED : SCHEMA));
        (isDeclared ? declared : embedded).push((await ready) - t0);
      });
      return { embedded, declared };
    };
    await run('warm', WARMUP);
    const { embedded, declared } = await run('lat', options.samples);
    const stored = new Map(Object.entries(await etcd.getAll().prefix(`${where.prefix}/data/${where.namespace}/`).strings()));
    const wrong = sent.filter(([name, data]) => stored.get(`${where.prefix}/data/${where.namespace}/${name}`) !== canonicalOf(data) || !tracker.isReadyAt(name, 1)).map(([name]) => name);
    const embeddedMs = summarize(embedded);
    const declaredMs = summarize(declared);
    return { embeddedMs, declaredMs, declaredVsEmbeddedP50: round(declaredMs.p50 / embeddedMs.p50), wrong };
  } finally {
    tracker.close();
    await operator.stop();
  }
}

/** Declares the schema; waits until it is Ready and its admission policy is in force. */
async function declare(kube: RawKube, namespace: string): Promise<void> {
  await kube.send('POST', '/apis/cairn.dev/v1alpha1/configschemas', {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'ConfigSchema',
    metadata: { name: DECLARED_NAME },
    spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: exportOpenAPIV3Schema(SCHEMA) } }] },
  });
  await until(`ConfigSchema ${DECLARED_NAME} Ready`, async () => {
    const object = (await kube.send('GET', `/apis/cairn.dev/v1alpha1/configschemas/${DECLARED_NAME}`)) as { status?: { conditions?: { type: string; status: string }[] } };
    return object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }, 180_000);
  // In force once a server-side dry run of invalid data is denied (the policy informer lags the create).
  const probe = entryBody(namespace, 'declared-probe', { host: 1, database: 'd', user: 'u' }, DECLARED);
  await until(`the admission policy of ${DECLARED}`, () => kube.send('POST', `${entriesPath(namespace)}?dryRun=All`, probe).then(() => false, () => true), 60_000);
}
