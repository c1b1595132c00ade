/**
 * The ValidatingAdmissionPolicies and bindings generated from ConfigSchemas: server-side apply with
 * Cairn's field manager (force: Cairn owns these objects; a hand edit is put back), and deletion of
 * the ones a schema no longer serves (found by the labels the generator sets).
 */
import { FIELD_MANAGER } from '../api/names.ts';
import type { KubeObject } from '../schemas/admission/index.ts';
import { KubeApiError, kubeCall } from './errors.ts';
import { sendJson } from './json-request.ts';
import type { PooledKubeConfig } from './kube-config.ts';

const APPLY_PATCH = 'application/apply-patch+yaml';
const BASE = '/apis/admissionregistration.k8s.io/v1';
const RESOURCES: Record<string, string> = {
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
};

export class AdmissionPolicyClient {
  private readonly kubeConfig: PooledKubeConfig;

  constructor(kubeConfig: PooledKubeConfig) {
    this.kubeConfig = kubeConfig;
  }

  async apply(object: KubeObject): Promise<KubeObject> {
    const resource = RESOURCES[object.kind];
    if (resource === undefined) throw new Error(`cannot apply a ${object.kind}`);
    const path = `${BASE}/${resource}/${encodeURIComponent(object.metadata.name)}?fieldManager=${FIELD_MANAGER}&force=true`;
    // JSON is YAML: the apply patch is the object itself.
    return (await kubeCall(`apply ${object.kind} ${object.metadata.name}`, () => sendJson(this.kubeConfig, 'PATCH', path, object, APPLY_PATCH))) as KubeObject;
  }

  async getPolicy(name: string): Promise<KubeObject | undefined> {
    const path = `${BASE}/${RESOURCES.ValidatingAdmissionPolicy}/${encodeURIComponent(name)}`;
    return (await kubeCall(`get ValidatingAdmissionPolicy ${name}`, () => sendJson(this.kubeConfig, 'GET', path, undefined)).catch((error: unknown) => {
      if (error instanceof KubeApiError && error.isNotFound) return undefined;
      throw error;
    })) as KubeObject | undefined;
  }

  async deleteOtherVersions(name: string, versions: readonly string[]): Promise<void> {
    const selector = encodeURIComponent(`cairn.dev/schema=${name}${versions.length > 0 ? `,cairn.dev/schema-version notin (${versions.join(',')})` : ''}`);
    for (const resource of Object.values(RESOURCES)) {
      const list = (await kubeCall(`list ${resource} of schema ${name}`, () => sendJson(this.kubeConfig, 'GET', `${BASE}/${resource}?labelSelector=${selector}`, undefined))) as {
        items: { metadata: { name: string } }[];
      };
      for (const item of list.items) {
        await kubeCall(`delete ${resource} ${item.metadata.name}`, () => sendJson(this.kubeConfig, 'DELETE', `${BASE}/${resource}/${encodeURIComponent(item.metadata.name)}`, undefined)).catch((error: unknown) => {
          if (!(error instanceof KubeApiError && error.isNotFound)) throw error;
        });
      }
    }
  }
}
