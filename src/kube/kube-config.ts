/**
 * A KubeConfig whose requests share one connection pool per apiserver identity.
 *
 * Why: client-node 2.0.1 builds a new undici Agent inside every applySecurityAuthentication call, so
 * every request (and every watch reconnect) opens a new TLS connection; measured here at about 4x the
 * cost of the request itself. We keep the first dispatcher built for a (server, user) pair and hand it
 * to every later request; the per-call Agent that client-node builds is never connected, so dropping
 * it costs nothing.
 *
 * Assumption: TLS client credentials do not change while the process runs (bearer tokens may: they
 * travel in headers, which client-node still sets on every request). A rotated client certificate
 * takes effect on restart.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Dispatcher } from 'undici';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

export class PooledKubeConfig extends KubeConfig {
  private readonly pools = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    const key = `${this.getCurrentCluster()?.server ?? ''}\u0000${this.getCurrentUser()?.name ?? ''}`;
    const pooled = this.pools.get(key);
    if (pooled === undefined) {
      this.pools.set(key, fresh as Dispatcher);
      return;
    }
    context.setDispatcher(pooled as never);
  }

  /** Closes the pooled connections (graceful shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((d) => d.close().catch(() => {})));
    this.pools.clear();
  }
}

/** Loads from a kubeconfig file, or in-cluster (service account) when no path is given and one exists. */
export function loadKubeConfig(path: string | undefined): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}
