/**
 * The floor measured by the fastest clients (issue 13): tools/go/bench/probe, compiled Go with
 * client-go and etcd's clientv3, does what measureFloorLatency does in Node (create -> watch event,
 * one transaction of Cairn's shape, status patch -> watch event, serially) over the same entries.
 * Every ratio divides by this floor; the Node floor stays beside it as what a Node client costs.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveBinary } from '../tools/binaries/resolve.ts';
import type { FloorLatency } from './floor.ts';
import { summarize } from './stats.ts';
import { canonicalOf, dataFor, entryBody } from './workload.ts';

interface ProbeOutput {
  readonly createToWatchMs: number[];
  readonly txnMs: number[];
  readonly statusPatchToWatchMs: number[];
}

export interface GoFloorOptions {
  readonly kubeconfig: string;
  readonly storeEndpoints: readonly string[];
  readonly namespace: string;
  readonly prefix: string;
  /** The fence's mod_revision under `prefix` (the benchmark put it). */
  readonly fenceRevision: string;
  readonly warmup: number;
  readonly samples: number;
  /** Where the workload file goes. */
  readonly dir: string;
}

export function measureGoFloor(options: GoFloorOptions): FloorLatency {
  const probe = resolveBinary('bench-probe');
  if (probe === undefined) throw new Error('bench-probe is not built: run `npm run binaries -- ensure bench-probe` (npm run bench does)');
  const items = Array.from({ length: options.warmup + options.samples }, (_, i) => {
    const name = `go-floor-${i}`;
    const data = dataFor(i);
    return { name, body: entryBody(options.namespace, name, data), canonical: canonicalOf(data) };
  });
  const workload = join(options.dir, 'go-floor-workload.json');
  writeFileSync(workload, JSON.stringify({ namespace: options.namespace, prefix: options.prefix, fenceRevision: Number(options.fenceRevision), warmup: options.warmup, items }));
  const output = execFileSync(probe.path, [`--kubeconfig=${options.kubeconfig}`, `--etcd-endpoints=${options.storeEndpoints.join(',')}`, `--workload=${workload}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  const samples = JSON.parse(output) as ProbeOutput;
  const create = summarize(samples.createToWatchMs);
  const txn = summarize(samples.txnMs);
  const statusPatch = summarize(samples.statusPatchToWatchMs);
  return { create, txn, statusPatch, p50: create.p50 + txn.p50 + statusPatch.p50, p99: create.p99 + txn.p99 + statusPatch.p99 };
}
