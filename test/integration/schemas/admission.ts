/**
 * Admission under test: the generated ValidatingAdmissionPolicy and binding for one schema version,
 * installed on the shared control plane, and server-side dry-run creates of ConfigEntries naming it.
 */
import { API_VERSION, KIND, PLURAL } from '../../../src/api/names.ts';
import { type AdmissionPolicyInput, generateAdmissionPolicy, type KubeObject } from '../../../src/schemas/admission/index.ts';
import { eventually } from '../../support/fixture.ts';
import { dryRunCreate, remove, sendCreate, type Verdict } from './api.ts';

const ADMISSION = '/apis/admissionregistration.k8s.io/v1';

export class Admission {
  readonly policy: KubeObject;
  readonly binding: KubeObject;
  readonly schemaId: string;
  private readonly namespace: string;

  private constructor(policy: KubeObject, binding: KubeObject, schemaId: string, namespace: string) {
    this.policy = policy;
    this.binding = binding;
    this.schemaId = schemaId;
    this.namespace = namespace;
  }

  /**
   * Generates and installs the policy (as `edit` changes it, when given); when a `probe` (data the
   * schema denies) is given, waits until the apiserver enforces the policy (the probe is denied by it).
   */
  static async install(input: Omit<AdmissionPolicyInput, 'owner'>, namespace: string, probe?: unknown, edit: (policy: KubeObject) => KubeObject = (p) => p): Promise<Admission> {
    const result = generateAdmissionPolicy({ ...input, owner: { uid: '00000000-0000-0000-0000-000000000000' } });
    if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.problems)}`);
    const generated = { ...result, policy: edit(result.policy) };
    const admission = new Admission(generated.policy, generated.binding, `${input.name}@${input.version}`, namespace);
    await sendCreate(`${ADMISSION}/validatingadmissionpolicies`, generated.policy);
    await sendCreate(`${ADMISSION}/validatingadmissionpolicybindings`, generated.binding);
    if (probe === undefined) return admission;
    // A new policy takes effect once the apiserver's policy informer has it, a moment after the create.
    await eventually(`policy ${generated.policy.metadata.name} enforced`, async () => {
      const verdict = await admission.verdict(probe);
      return !verdict.allowed && verdict.message.includes(generated.policy.metadata.name) ? true : undefined;
    }, 30_000);
    return admission;
  }

  verdict(data: unknown): Promise<Verdict> {
    return dryRunCreate(`/apis/${API_VERSION}/namespaces/${this.namespace}/${PLURAL}`, {
      apiVersion: API_VERSION, kind: KIND, metadata: { name: 'probe' }, spec: { schema: this.schemaId, data },
    });
  }

  async uninstall(): Promise<void> {
    await remove(`${ADMISSION}/validatingadmissionpolicybindings/${this.binding.metadata.name}`);
    await remove(`${ADMISSION}/validatingadmissionpolicies/${this.policy.metadata.name}`);
  }
}
