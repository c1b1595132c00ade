/**
 * The pinned programs Cairn is tested against, and how each is built from its official Go module:
 * the control plane (kube-apiserver, kubectl, etcd, etcdctl), helm, kstatus (a small command of
 * our own over Flux's and kpt's status library), policy-status (kube-controller-manager's
 * ValidatingAdmissionPolicy status controller alone, for the type-check tests), and the schema engine (the apiserver's own
 * custom-resource validation compiled to WebAssembly, which the operator loads at start-up). The
 * wrapper modules (go.mod + go.sum, committed) live in tools/go/<component>/.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export type BinaryName = 'kube-apiserver' | 'kubectl' | 'etcd' | 'etcdctl' | 'helm' | 'helm3' | 'kstatus' | 'validator-wasm' | 'bench-probe' | 'bench-reference' | 'policy-status' | 'policycost';

export interface Component {
  readonly name: 'kubernetes' | 'etcd' | 'helm' | 'helm3' | 'kstatus' | 'validator' | 'bench' | 'policycost';
  readonly version: string;
  readonly binaries: readonly { readonly name: BinaryName; readonly goPackage: string }[];
  /** `-X` stamps, so the programs report the version they were built at instead of a placeholder. */
  readonly versionStamps: readonly string[];
  /** A cross build: GOOS/GOARCH and `-buildmode` (absent: a native executable). */
  readonly target?: { readonly goos: string; readonly goarch: string; readonly buildMode: string };
  /**
   * The program is our own code in tools/go/<name>/: its sources are part of the recipe, so an edit
   * rebuilds it (the version alone names only the libraries it is built from).
   */
  readonly ownSources?: true;
}

export const KUBERNETES_VERSION = 'v1.37.2';
export const ETCD_VERSION = 'v3.7.3';
export const HELM_VERSION = 'v4.3.1';
/** Helm 3, still what many GitOps installations run: the chart is rendered and linted with it too. */
export const HELM3_VERSION = 'v3.22.0';
/** The sigs.k8s.io/cli-utils version whose kstatus library tools/go/kstatus wraps. */
export const KSTATUS_VERSION = 'v0.37.2';
/** k8s.io/apiextensions-apiserver, the version Kubernetes v1.37.2 uses: the schema engine's source. */
export const APIEXTENSIONS_VERSION = 'v0.37.2';
/**
 * k8s.io/client-go, the version Kubernetes v1.37.2 ships (with etcd's clientv3 ETCD_VERSION and
 * controller-runtime v0.25.2, which is built on it): the benchmark's Go programs.
 */
export const CLIENT_GO_VERSION = 'v0.37.2';

function kubernetesStamps(version: string): string[] {
  const [major, minor] = version.replace(/^v/, '').split('.');
  // Both packages carry a copy of the version; kubectl and /version read different ones.
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `${pkg}.gitVersion=${version}`,
    `${pkg}.gitMajor=${major}`,
    `${pkg}.gitMinor=${minor}`,
    `${pkg}.gitTreeState=clean`,
  ]);
}

export const COMPONENTS: readonly Component[] = [
  {
    name: 'kubernetes',
    version: KUBERNETES_VERSION,
    binaries: [
      { name: 'kube-apiserver', goPackage: 'k8s.io/kubernetes/cmd/kube-apiserver' },
      { name: 'kubectl', goPackage: 'k8s.io/kubernetes/cmd/kubectl' },
    ],
    versionStamps: kubernetesStamps(KUBERNETES_VERSION),
  },
  {
    // kube-controller-manager's ValidatingAdmissionPolicy status controller alone, wired as
    // kube-controller-manager wires it (tools/go/kubernetes/policystatus/main.go): it writes each
    // policy's status.typeChecking, which kube-apiserver never writes. A program of our own in the
    // same wrapper module (one package beyond kube-apiserver's build), so its own entry: its sources
    // are part of the recipe. Used by the integration tests of the schema controller's type check.
    name: 'kubernetes',
    version: KUBERNETES_VERSION,
    binaries: [{ name: 'policy-status', goPackage: 'cairn.dev/tools/kubernetes/policystatus' }],
    versionStamps: kubernetesStamps(KUBERNETES_VERSION),
    ownSources: true,
  },
  {
    name: 'etcd',
    version: ETCD_VERSION,
    binaries: [
      { name: 'etcd', goPackage: 'go.etcd.io/etcd/server/v3' },
      { name: 'etcdctl', goPackage: 'go.etcd.io/etcd/etcdctl/v3' },
    ],
    versionStamps: [],
  },
  {
    name: 'helm',
    version: HELM_VERSION,
    binaries: [{ name: 'helm', goPackage: 'helm.sh/helm/v4/cmd/helm' }],
    versionStamps: [`helm.sh/helm/v4/internal/version.version=${HELM_VERSION}`],
  },
  {
    name: 'helm3',
    version: HELM3_VERSION,
    binaries: [{ name: 'helm3', goPackage: 'helm.sh/helm/v3/cmd/helm' }],
    // As helm's Makefile does: without the Kubernetes version of its client-go (v0.37 -> 1.37),
    // `helm template` assumes Kubernetes 1.20 and refuses charts that need a newer one.
    versionStamps: [
      `helm.sh/helm/v3/internal/version.version=${HELM3_VERSION}`,
      ...['helm.sh/helm/v3/pkg/chartutil', 'helm.sh/helm/v3/pkg/lint/rules'].flatMap((pkg) => [`${pkg}.k8sVersionMajor=1`, `${pkg}.k8sVersionMinor=37`]),
    ],
  },
  {
    // Reads one object as JSON on stdin, prints kstatus's verdict as JSON; the wrapper module is the
    // program itself (tools/go/kstatus/main.go), so the package is the module's own.
    name: 'kstatus',
    version: KSTATUS_VERSION,
    binaries: [{ name: 'kstatus', goPackage: 'cairn.dev/tools/kstatus' }],
    versionStamps: [],
  },
  {
    // The apiserver's custom-resource validation as a WebAssembly reactor (wasip1, c-shared: its
    // exports are called after _initialize); src/schemas/engine loads it. Not an executable.
    name: 'validator',
    version: APIEXTENSIONS_VERSION,
    binaries: [{ name: 'validator-wasm', goPackage: 'cairn.dev/tools/validator' }],
    versionStamps: [],
    target: { goos: 'wasip1', goarch: 'wasm', buildMode: 'c-shared' },
    ownSources: true,
  },
  {
    // The apiserver's validating admission plugin compiling one generated policy and charging its
    // CEL costs for one object (tools/go/policycost/main.go): the integration test of the fast
    // path's cost bound and bench/member-admission-cost.ts.
    name: 'policycost',
    version: APIEXTENSIONS_VERSION,
    binaries: [{ name: 'policycost', goPackage: 'cairn.dev/tools/policycost' }],
    versionStamps: [],
    ownSources: true,
  },
  {
    // The benchmark's Go side (bench/, issue 13): the floor measured with client-go and clientv3, and
    // a controller-runtime reference operator doing Cairn's visible work. Built only by `npm run bench`.
    name: 'bench',
    version: CLIENT_GO_VERSION,
    binaries: [
      { name: 'bench-probe', goPackage: 'cairn.dev/tools/bench/probe' },
      { name: 'bench-reference', goPackage: 'cairn.dev/tools/bench/reference' },
    ],
    versionStamps: [],
    ownSources: true,
  },
];

export function componentOf(binary: BinaryName): Component {
  const found = COMPONENTS.find((c) => c.binaries.some((b) => b.name === binary));
  if (!found) throw new Error(`no component builds ${binary}`);
  return found;
}

/** The project's binary cache, outside the repository: `$CAIRN_CACHE_DIR` or `~/.cache/cairn`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAIRN_CACHE_DIR) return env.CAIRN_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cairn');
}

/** One folder per component version, e.g. `~/.cache/cairn/bin/kubernetes-v1.37.2`. */
export function cacheDirOf(component: Component, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'bin', `${component.name}-${component.version}`);
}
