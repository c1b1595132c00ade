/**
 * `cairn doctor`: one line per check (checks.ts), OK or what is wrong and what to do. Checks that need
 * the apiserver are skipped when it does not answer. Exit 0 when nothing is a problem, 1 otherwise.
 */
import type { CliSettings } from '../config.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { openKube } from '../kube.ts';
import { formatData } from '../output.ts';
import { type Check, checkApiserver, checkCrds, checkEntryAccess, checkEtcd, checkLeader, checkOperatorHealth, checkPolicies } from './checks.ts';

export interface DoctorFlags {
  readonly namespace?: string;
  readonly leaseName?: string;
  readonly operatorUrl?: string;
}

const MARK = { ok: 'OK  ', problem: 'FAIL', skipped: 'SKIP' } as const;

export function formatChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `${MARK[c.verdict]}  ${c.name.padEnd(width)}  ${c.found}${c.fix === undefined ? '' : `\n      ${' '.repeat(width)}  -> ${c.fix}`}`);
  const problems = checks.filter((c) => c.verdict === 'problem').length;
  return `${lines.join('\n')}\n\n${problems === 0 ? 'No problems found.' : `${problems} problem${problems === 1 ? '' : 's'} found.`}\n`;
}

export async function runDoctor(flags: DoctorFlags, settings: CliSettings, write: (text: string) => void): Promise<ExitCode> {
  const checks: Check[] = [];
  checks.push({ name: 'settings', verdict: 'ok', found: `kubeconfig ${settings.kubeconfig ?? '(default)'}${settings.context === undefined ? '' : ` (context ${settings.context})`}; etcd ${settings.etcd?.endpoints.join(',') ?? '(none)'}; prefix ${settings.prefix}${settings.devEnvFile === undefined ? '' : `; from ${settings.devEnvFile}`}` });
  let kube;
  try {
    kube = openKube(settings);
  } catch (error) {
    checks.push({ name: 'apiserver', verdict: 'problem', found: (error as Error).message, fix: 'pass --kubeconfig or set KUBECONFIG' });
  }
  if (kube !== undefined) {
    try {
      const api = await checkApiserver(kube);
      checks.push(api);
      if (api.verdict === 'ok') {
        checks.push(await checkCrds(kube), ...(await checkPolicies(kube)), await checkLeader(kube, flags.leaseName ?? 'cairn-operator', new Date()), await checkEntryAccess(kube, flags.namespace ?? 'default'));
      } else {
        for (const name of ['CRDs', 'schemas', 'operator leader', 'your access']) checks.push({ name, verdict: 'skipped', found: 'the apiserver does not answer' });
      }
    } finally {
      await kube.close();
    }
  }
  if (settings.etcd === undefined) checks.push({ name: 'etcd', verdict: 'problem', found: 'no etcd endpoints configured', fix: 'pass --etcd-endpoints, set CAIRN_ETCD_ENDPOINTS (or ETCDCTL_ENDPOINTS), or run `npm run dev` here' });
  else checks.push(...(await checkEtcd(settings)));
  checks.push(await checkOperatorHealth(flags.operatorUrl ?? settings.operatorUrl));
  write(settings.output === 'table' ? formatChecks(checks) : formatData(settings.output, checks));
  return checks.some((c) => c.verdict === 'problem') ? EXIT.findings : EXIT.ok;
}
