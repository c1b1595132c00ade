/**
 * Server-side dry-run creates on the shared control plane, for verdict comparisons: the oracle (a CR
 * of a CRD carrying the schema at spec.data) and admission (a ConfigEntry naming the schema version).
 * A verdict is the apiserver's answer: allowed (201) or denied (400/403/422) with its message; any
 * other answer (the CRD not served yet, a 5xx) is thrown, never counted as a verdict.
 */
import { ApiStatusError, sendJson } from '../../../src/kube/json-request.ts';
import { loadKubeConfig, type PooledKubeConfig } from '../../../src/kube/kube-config.ts';
import { controlPlane } from '../../support/cluster.ts';

export interface Verdict {
  readonly allowed: boolean;
  readonly message: string;
}

let shared: PooledKubeConfig | undefined;
export function kube(): PooledKubeConfig {
  shared ??= loadKubeConfig(controlPlane().kubeconfig);
  return shared;
}

export async function closeKube(): Promise<void> {
  await shared?.close();
  shared = undefined;
}

export async function dryRunCreate(path: string, body: unknown): Promise<Verdict> {
  try {
    await sendJson(kube(), 'POST', `${path}?dryRun=All`, body);
    return { allowed: true, message: '' };
  } catch (error) {
    if (error instanceof ApiStatusError && [400, 403, 422].includes(error.code)) {
      return { allowed: false, message: (JSON.parse(error.body) as { message?: string }).message ?? error.body };
    }
    throw error;
  }
}

export async function apply(path: string, body: { metadata: { name: string } }): Promise<unknown> {
  return sendJson(kube(), 'PATCH', `${path}/${body.metadata.name}?fieldManager=cairn-test&force=true`, body, 'application/apply-patch+yaml');
}

export async function remove(path: string): Promise<void> {
  await sendJson(kube(), 'DELETE', path, undefined).catch((error: unknown) => {
    if (!(error instanceof ApiStatusError && error.code === 404)) throw error;
  });
}

export async function get(path: string): Promise<unknown> {
  return sendJson(kube(), 'GET', path, undefined);
}

/** A create; a refusal is thrown with the apiserver's message (a refused CRD or policy says why). */
export async function sendCreate(path: string, body: unknown): Promise<unknown> {
  return sendJson(kube(), 'POST', path, body).catch((error: unknown) => {
    if (error instanceof ApiStatusError) throw new Error(`POST ${path}: HTTP ${error.code}: ${error.body}`, { cause: error });
    throw error;
  });
}
