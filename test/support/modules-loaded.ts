/**
 * What the operator loads, and when it sends its HTTP requests: it runs in a child Node (the compile
 * cache off) with a load hook that records every module URL and a subscriber to undici's
 * `undici:request:create` diagnostics channel that records every request created, in one ordered
 * list printed on stderr when the process exits, then Node's own modules as `node:<name>`
 * (process.moduleLoadList, not in order). The operator gets a kubeconfig and etcd endpoints
 * on a closed port: what is recorded is the order of its own steps, not an apiserver's answers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

export interface StopWhen {
  /** Exit (status 0) as soon as a module whose URL ends with this is loaded. */
  readonly loaded?: string;
  /** Exit at the first request created after a module whose URL ends with this was loaded. */
  readonly requestAfter?: string;
}

function recorder(stop: StopWhen): string {
  return `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
import diagnostics from 'node:diagnostics_channel';
const events = [];
const stop = ${JSON.stringify(stop)};
let armed = false;
diagnostics.subscribe('undici:request:create', ({ request }) => {
  events.push('request ' + request.method + ' ' + request.path);
  if (armed) process.exit(0);
});
registerHooks({ load(url, context, next) {
  events.push('loaded ' + url);
  const loaded = next(url, context);
  if (stop.loaded !== undefined && url.endsWith(stop.loaded)) process.exit(0);
  if (stop.requestAfter !== undefined && url.endsWith(stop.requestAfter)) armed = true;
  return loaded;
} });
process.on('exit', () => process.stderr.write([...events, ...process.moduleLoadList.map((m) => 'loaded node:' + m)].join('\\n') + '\\n'));
`)}`;
}

/**
 * Every module the operator (src/main.ts, namespace `shop`, no schema engine) loads and every request
 * it creates, in order (`loaded URL`, `request METHOD PATH`), until `stop`.
 */
export function operatorStartUp(stop: StopWhen): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-start-up-'));
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, KUBECONFIG);
    const args = [`--kubeconfig=${kubeconfig}`, '--etcd-endpoints=http://127.0.0.1:1', '--watch-namespace=shop', '--schema-engine-file=', '--no-leader-elect', '--metrics-address=127.0.0.1:0', '--log-level=error'];
    const child = spawnSync(process.execPath, ['--import', recorder(stop), join(ROOT, 'src', 'main.ts'), ...args], { encoding: 'utf8', env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' }, timeout: 50_000 });
    expect(child.status, child.stderr).toBe(0);
    return child.stderr.split('\n').filter((l) => l.startsWith('loaded ') || l.startsWith('request '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every module the operator loads: the whole graph of operator.ts is loaded before it sends any request after it. */
export function modulesTheOperatorLoads(): string[] {
  return operatorStartUp({ requestAfter: '/src/operator.ts' })
    .filter((l) => l.startsWith('loaded '))
    .map((l) => l.slice('loaded '.length));
}
