/**
 * Resolves every requested binary and builds the ones that are missing: the single entry point the
 * harness, `npm run binaries` and `npm test` use.
 */
import type { BinaryName } from './components.ts';
import { type Log, buildBinaries } from './build.ts';
import { type ResolvedBinary, resolveBinary } from './resolve.ts';

export const CONTROL_PLANE_BINARIES: readonly BinaryName[] = ['kube-apiserver', 'kubectl', 'etcd', 'etcdctl'];

export type Binaries = Readonly<Record<BinaryName, string>>;

export async function ensureBinaries(names: readonly BinaryName[], log: Log = console.log): Promise<Partial<Binaries>> {
  const resolved = new Map<BinaryName, ResolvedBinary | undefined>(names.map((n) => [n, resolveBinary(n)]));
  const missing = names.filter((n) => resolved.get(n) === undefined);
  const built = await buildBinaries(missing, log);
  const paths: Partial<Record<BinaryName, string>> = {};
  for (const name of names) paths[name] = resolved.get(name)?.path ?? built.get(name);
  return paths;
}

/** Like ensureBinaries, for the four programs of the local control plane; all are guaranteed present. */
export async function ensureControlPlaneBinaries(log?: Log): Promise<Pick<Binaries, 'kube-apiserver' | 'kubectl' | 'etcd' | 'etcdctl'>> {
  const paths = await ensureBinaries(CONTROL_PLANE_BINARIES, log);
  return paths as Pick<Binaries, 'kube-apiserver' | 'kubectl' | 'etcd' | 'etcdctl'>;
}

/** Where each binary would come from right now, without building anything. */
export function describeBinaries(names: readonly BinaryName[]): string[] {
  return names.map((name) => {
    const r = resolveBinary(name);
    return r ? `${name.padEnd(15)} ${r.source.padEnd(18)} ${r.path}` : `${name.padEnd(15)} missing (will be built)`;
  });
}
