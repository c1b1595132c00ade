/** The files `npm run dev` leaves for other shells: a kubeconfig and an env file to `source`. */
import { copyFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ControlPlaneInfo } from '../controlplane/control-plane.ts';

export interface DevFiles {
  readonly kubeconfig: string;
  readonly env: string;
}

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Writes `<devDir>/kubeconfig` and `<devDir>/env`; the env puts our kubectl and etcdctl first on PATH. */
export function writeDevFiles(devDir: string, info: ControlPlaneInfo): DevFiles {
  const kubeconfig = join(devDir, 'kubeconfig');
  copyFileSync(info.kubeconfig, kubeconfig);
  const binDirs = [...new Set([dirname(info.kubectl), dirname(info.etcdctl)])].join(':');
  const env = join(devDir, 'env');
  writeFileSync(
    env,
    [
      '# Written by `npm run dev`; valid while it runs. Usage: source .cairn/dev/env',
      `export KUBECONFIG=${quote(kubeconfig)}`,
      `export ETCDCTL_ENDPOINTS=${quote(info.storeEndpoints.join(','))}`,
      `export PATH=${quote(binDirs)}:"$PATH"`,
      '',
    ].join('\n'),
  );
  return { kubeconfig, env };
}
