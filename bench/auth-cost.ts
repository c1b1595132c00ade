/**
 * `npx node bench/auth-cost.ts [--calls N]`: process CPU per `applySecurityAuthentication`, in the
 * in-cluster shape (a token file and a CA file), for client-node's own KubeConfig and for Cairn's
 * PooledKubeConfig (which reuses one authentication for AUTH_REUSE_MS). No network: the call only
 * prepares headers and a dispatcher. Nothing asserted; the README's benchmark section quotes it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, RequestContext } from '@kubernetes/client-node';
import { Command } from 'commander';
import { PooledKubeConfig } from '../src/kube/kube-config.ts';

const options = new Command('auth-cost').option('--calls <n>', 'calls measured on each side', (v) => Number(v), 20_000).parse().opts<{ calls: number }>();
const dir = mkdtempSync(join(tmpdir(), 'cairn-auth-cost-'));
writeFileSync(join(dir, 'token'), 'x'.repeat(900));
writeFileSync(join(dir, 'ca.crt'), 'y'.repeat(1200));
const server = 'https://127.0.0.1:6443';

async function cpuPerCall(kubeConfig: KubeConfig): Promise<number> {
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server, caFile: join(dir, 'ca.crt') }],
    users: [{ name: 'u', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  const call = (): Promise<void> => kubeConfig.applySecurityAuthentication(new RequestContext(`${server}/api`, 'GET' as never));
  for (let i = 0; i < options.calls / 10; i++) await call();
  const start = process.cpuUsage();
  for (let i = 0; i < options.calls; i++) await call();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / options.calls;
}

try {
  const plain = await cpuPerCall(new KubeConfig());
  const pooled = new PooledKubeConfig();
  const reused = await cpuPerCall(pooled);
  await pooled.close();
  console.log(`client-node KubeConfig: ${plain.toFixed(1)} µs CPU per call; PooledKubeConfig: ${reused.toFixed(1)} µs CPU per call (${options.calls} calls each)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
