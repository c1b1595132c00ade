/**
 * The oracle: the apiserver's own CRD validation of a schema. One CRD per schema, carrying the schema
 * at spec.data (so field paths read `spec.data.…` as in a ConfigEntry), and server-side dry-run
 * creates of its CRs: pruning, defaulting, schema and list-type checks and CEL rules exactly as a CRD
 * with that schema gives them. Independent of the admission generator.
 */
import { randomBytes } from 'node:crypto';
import { eventually } from '../../support/fixture.ts';
import { dryRunCreate, remove, sendCreate, type Verdict } from './api.ts';

const GROUP = 'oracle.cairn.test';

export class Oracle {
  readonly plural: string;
  private readonly kind: string;
  private readonly namespace: string;

  private constructor(plural: string, kind: string, namespace: string) {
    this.plural = plural;
    this.kind = kind;
    this.namespace = namespace;
  }

  /** Installs a CRD for `schema` and waits until its CRs are served. */
  static async install(openAPIV3Schema: unknown, namespace: string): Promise<Oracle> {
    const id = randomBytes(5).toString('hex');
    const plural = `o${id}s`;
    const kind = `O${id}`;
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${GROUP}` },
      spec: {
        group: GROUP,
        scope: 'Namespaced',
        names: { plural, kind, singular: `o${id}`, listKind: `${kind}List` },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', required: ['spec'], properties: { spec: { type: 'object', required: ['data'], properties: { data: openAPIV3Schema } } } } } }],
      },
    };
    await sendCreate('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    const oracle = new Oracle(plural, kind, namespace);
    // Established, then served: the first creates of a new CRD can answer 404 or 503 for a moment.
    await eventually(`CRD ${plural} served`, () => oracle.verdict({}).then(() => true, () => undefined), 30_000);
    return oracle;
  }

  verdict(data: unknown): Promise<Verdict> {
    return dryRunCreate(`/apis/${GROUP}/v1/namespaces/${this.namespace}/${this.plural}`, {
      apiVersion: `${GROUP}/v1`, kind: this.kind, metadata: { name: 'probe' }, spec: { data },
    });
  }

  uninstall(): Promise<void> {
    return remove(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${this.plural}.${GROUP}`);
  }
}
