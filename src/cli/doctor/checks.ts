/**
 * What `cairn doctor` asks, one function per line of its report. Each answers OK, a problem with
 * what to do, or skipped (a check that needs a part that failed earlier, or a setting not given).
 * Checks never throw: every failure becomes its line.
 */
import type { Etcd3 } from 'etcd3';
import { API_VERSION, BUNDLE_KIND, KIND, PLURAL, SCHEMA_PLURAL } from '../../api/names.ts';
import { createEtcdClient } from '../../etcd/client.ts';
import { policyName } from '../../schemas/admission/index.ts';
import { listConfigSchemas } from '../cluster-objects.ts';
import type { Kube } from '../kube.ts';
import { toReadError } from '../../client/translate.ts';
import { etcdConnection } from '../reader.ts';
import type { CliSettings } from '../config.ts';

export type Verdict = 'ok' | 'problem' | 'skipped';

export interface Check {
  readonly name: string;
  readonly verdict: Verdict;
  /** What was found (OK) or what is wrong (problem) or why it was not checked (skipped). */
  readonly found: string;
  /** What to do about a problem. */
  readonly fix?: string;
}

const ok = (name: string, found: string): Check => ({ name, verdict: 'ok', found });
const problem = (name: string, found: string, fix: string): Check => ({ name, verdict: 'problem', found, fix });
const skipped = (name: string, found: string): Check => ({ name, verdict: 'skipped', found });
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function checkApiserver(kube: Kube): Promise<Check> {
  try {
    const version = await kube.get<{ gitVersion?: string }>('/version');
    return ok('apiserver', `${kube.server} answers, Kubernetes ${version.gitVersion ?? '(version unknown)'}`);
  } catch (error) {
    return problem('apiserver', reason(error), 'check --kubeconfig (or KUBECONFIG) and that the cluster is up');
  }
}

export async function checkCrds(kube: Kube): Promise<Check> {
  try {
    const discovery = await kube.get<{ resources?: { name: string }[] }>(`/apis/${API_VERSION}`);
    const served = new Set((discovery.resources ?? []).map((r) => r.name));
    const missing = [PLURAL, SCHEMA_PLURAL].filter((p) => !served.has(p));
    if (missing.length > 0) return problem('CRDs', `${API_VERSION} serves no ${missing.join(', ')}`, 'install the CRDs: kubectl apply -f deploy/crds/ (or the chart)');
    return ok('CRDs', `${API_VERSION} serves ${[...served].filter((r) => !r.includes('/')).sort().join(', ')}`);
  } catch (error) {
    return problem('CRDs', `${API_VERSION} is not served: ${reason(error)}`, 'install the CRDs: kubectl apply -f deploy/crds/ (or the chart)');
  }
}

export async function checkPolicies(kube: Kube): Promise<Check[]> {
  const checks: Check[] = [];
  try {
    await kube.get('/apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicies/cairn-finalizer');
    checks.push(ok('finalizer policy', 'MutatingAdmissionPolicy cairn-finalizer is installed'));
  } catch (error) {
    checks.push(problem('finalizer policy', `MutatingAdmissionPolicy cairn-finalizer: ${reason(error)}`, 'optional (the operator adds the finalizer itself, one update slower): kubectl apply -f deploy/admission/'));
  }
  try {
    const schemas = await listConfigSchemas(kube);
    const policies = await kube.get<{ items: { metadata: { name: string } }[] }>('/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings?labelSelector=app.kubernetes.io%2Fcomponent%3Dschema-admission');
    const bound = new Set(policies.items.map((p) => p.metadata.name));
    const notReady = schemas.filter((s) => s.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True').map((s) => s.metadata.name);
    // Each served version has two bound policies: the entries' and the bundle members'.
    const isBound = (name: string, version: string): boolean => ([KIND, BUNDLE_KIND] as const).every((target) => bound.has(policyName(name, version, target)));
    const unbound = schemas.flatMap((s) => s.spec.versions.filter((v) => v.served && !isBound(s.metadata.name, v.name)).map((v) => `${s.metadata.name}@${v.name}`));
    const summary = `${schemas.length} ConfigSchema(s), ${schemas.length - notReady.length} Ready; ${bound.size} admission binding(s)`;
    if (notReady.length > 0 || unbound.length > 0) {
      checks.push(problem('schemas', `${summary}; not Ready: ${notReady.join(', ') || 'none'}; served without a bound policy: ${unbound.join(', ') || 'none'}`, 'kubectl get configschemas; kubectl describe configschema NAME (its Stalled condition says why)'));
    } else checks.push(ok('schemas', summary));
  } catch (error) {
    checks.push(problem('schemas', reason(error), 'check that the ConfigSchema CRD is installed and that you may list configschemas and validatingadmissionpolicybindings'));
  }
  return checks;
}

interface Lease {
  metadata: { namespace: string; name: string };
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

export async function checkLeader(kube: Kube, leaseName: string, now: Date): Promise<Check> {
  try {
    const leases = await kube.get<{ items: Lease[] }>(`/apis/coordination.k8s.io/v1/leases?fieldSelector=metadata.name%3D${encodeURIComponent(leaseName)}`);
    const lease = leases.items[0];
    if (lease === undefined) return problem('operator leader', `no Lease named ${leaseName} in any namespace`, 'start the operator (kubectl -n cairn-system get pods), or pass --lease-name if it uses another');
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime === undefined ? undefined : (now.getTime() - Date.parse(lease.spec.renewTime)) / 1000;
    const duration = lease.spec?.leaseDurationSeconds ?? 15;
    const where = `Lease ${lease.metadata.namespace}/${leaseName}`;
    if (holder === undefined || holder === '' || renewed === undefined) return problem('operator leader', `${where} has no holder`, 'no replica leads: check the operator pods and their logs');
    if (renewed > duration) return problem('operator leader', `${where} held by ${holder}, last renewed ${Math.round(renewed)} s ago (expires after ${duration} s)`, 'the leader stopped renewing: check its pod and log');
    return ok('operator leader', `${holder} holds ${where} (renewed ${Math.max(0, Math.round(renewed))} s ago)`);
  } catch (error) {
    return problem('operator leader', reason(error), 'you may lack list on leases (coordination.k8s.io); or pass --lease-name');
  }
}

export async function checkEntryAccess(kube: Kube, namespace: string): Promise<Check> {
  const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  try {
    const allowed: string[] = [];
    for (const verb of verbs) {
      const review = await kube.post<{ status?: { allowed?: boolean } }>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { group: API_VERSION.split('/')[0], resource: PLURAL, verb, namespace } },
      });
      if (review.status?.allowed === true) allowed.push(verb);
    }
    const denied = verbs.filter((v) => !allowed.includes(v));
    const found = `in namespace ${namespace} you may ${allowed.join(', ') || 'nothing'} configentries`;
    if (allowed.length === 0) return problem('your access', found, `ask for a Role granting configentries.${API_VERSION.split('/')[0]} in ${namespace}`);
    return ok('your access', denied.length === 0 ? found : `${found} (not ${denied.join(', ')})`);
  } catch (error) {
    return problem('your access', reason(error), 'SelfSubjectAccessReview failed: check the apiserver line');
  }
}

export async function checkEtcd(settings: CliSettings): Promise<Check[]> {
  let client: Etcd3 | undefined;
  try {
    const connection = etcdConnection(settings);
    client = createEtcdClient(connection);
    const status = await client.maintenance.status();
    const members = await client.cluster.memberList({});
    const fence = await client.get(`${settings.prefix}/fence`).string();
    const leader = members.members.find((m) => m.ID === status.leader);
    const checks = [ok('etcd', `${connection.endpoints.join(', ')}: etcd ${status.version}, ${members.members.length} member(s), leader ${leader?.name || status.leader}, ${Math.round(Number(status.dbSize) / 1024)} KiB`)];
    if (fence === null) checks.push(problem('fence', `${settings.prefix}/fence is absent: no operator has led with this prefix`, 'start the operator with this --prefix (CAIRN_PREFIX), or pass the prefix it uses'));
    else checks.push(ok('fence', `${settings.prefix}/fence held by ${(JSON.parse(fence) as { holder?: string }).holder ?? '(unknown)'}`));
    return checks;
  } catch (error) {
    const read = toReadError(error, 'etcd');
    if (read.code === 'PermissionDenied') return [problem('etcd', read.message, `etcd refused this caller: check --etcd-username and its password, and that the user's roles grant read on ${settings.prefix}/`)];
    return [problem('etcd', reason(error), 'check --etcd-endpoints (CAIRN_ETCD_ENDPOINTS or ETCDCTL_ENDPOINTS) and the TLS flags')];
  } finally {
    client?.close();
  }
}

export async function checkOperatorHealth(url: string | undefined): Promise<Check> {
  if (url === undefined) return skipped('operator health', 'pass --operator-url (the operator\'s metrics address, e.g. http://127.0.0.1:8080) to ask /healthz and /readyz');
  const results: string[] = [];
  let healthy = true;
  for (const path of ['/healthz', '/readyz']) {
    try {
      const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.text()).trim();
      results.push(`${path} ${response.status}${response.ok ? '' : ` (${body.slice(0, 200)})`}`);
      healthy &&= response.ok;
    } catch (error) {
      results.push(`${path}: ${reason(error)}`);
      healthy = false;
    }
  }
  return healthy ? ok('operator health', `${url}: ${results.join(', ')}`) : problem('operator health', `${url}: ${results.join(', ')}`, 'read the operator\'s log; /readyz fails while etcd or the informer is not synced');
}
