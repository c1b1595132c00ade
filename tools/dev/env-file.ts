/**
 * The files `npm run dev` leaves for other shells: a kubeconfig, an env file to `source`, and a
 * `cairn` launcher (the command on this checkout, run by the Node that runs `npm run dev`).
 */
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ControlPlaneInfo } from '../controlplane/control-plane.ts';

export interface DevFiles {
  readonly kubeconfig: string;
  readonly env: string;
  /** The directory of the `cairn` launcher (first on the env file's PATH). */
  readonly bin: string;
}

const CLI_MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes `<devDir>/kubeconfig`, `<devDir>/env` and `<devDir>/bin/cairn`; the env puts `cairn`, our
 * kubectl and etcdctl first on PATH and names the schema engine (for `cairn validate`) and, once the
 * operator runs, its metrics address (for `cairn doctor`). Written again when the operator is up.
 */
export function writeDevFiles(devDir: string, info: ControlPlaneInfo, schemaEngineFile?: string, operatorUrl?: string): DevFiles {
  const kubeconfig = join(devDir, 'kubeconfig');
  copyFileSync(info.kubeconfig, kubeconfig);
  const bin = join(devDir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'cairn'), `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(CLI_MAIN)} "$@"\n`);
  chmodSync(join(bin, 'cairn'), 0o755);
  const binDirs = [...new Set([bin, dirname(info.kubectl), dirname(info.etcdctl)])].join(':');
  const env = join(devDir, 'env');
  writeFileSync(
    env,
    [
      '# Written by `npm run dev`; valid while it runs. Usage: source .cairn/dev/env',
      `export KUBECONFIG=${quote(kubeconfig)}`,
      `export ETCDCTL_ENDPOINTS=${quote(info.storeEndpoints.join(','))}`,
      ...(schemaEngineFile === undefined ? [] : [`export CAIRN_SCHEMA_ENGINE_FILE=${quote(schemaEngineFile)}`]),
      ...(operatorUrl === undefined ? [] : [`export CAIRN_OPERATOR_URL=${quote(operatorUrl)}`]),
      `export PATH=${quote(binDirs)}:"$PATH"`,
      '',
    ].join('\n'),
  );
  return { kubeconfig, env, bin };
}
