/**
 * A KubeConfig whose requests share one connection pool per apiserver identity, and reuse one
 * authentication result for a few seconds.
 *
 * Why the pool: client-node 2.0.1 builds a new undici Agent inside every applySecurityAuthentication
 * call, so every request (and every watch reconnect) opens a new TLS connection; measured here at
 * about 4x the cost of the request itself. We keep the first dispatcher built for a (server, user)
 * pair and hand it to every later request; the per-call Agent that client-node builds is never
 * connected, so dropping it costs nothing.
 *
 * Why the reuse: the rest of that call (reading the CA, certificate and key files synchronously,
 * asking the authenticators, building the Agent) ran again for every request: 0.2 s of the profiled
 * bench run (README, "Where the time goes"). For identities whose credentials are static or read
 * from a token file, the headers it set are reused for AUTH_REUSE_MS.
 *
 * Guarantees: a rotated token file is honoured at most AUTH_REUSE_MS later than client-node alone
 * honours it (client-node re-reads the file when 60 s have passed since its last read). A projected
 * ServiceAccount token is replaced by the kubelet when 80 % of its lifetime (≥ 10 min) has passed and
 * stays valid until it expires, so the old token is still good for minutes after the reuse ends.
 * Identities with an exec plugin or another auth provider (OIDC, cloud) are never reused: their
 * credentials carry their own expiry, which client-node tracks on every call.
 *
 * Assumption: TLS client credentials do not change while the process runs (bearer tokens may: see
 * above). A rotated client certificate takes effect on restart.
 */
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { User } from '@kubernetes/client-node/dist/config_types.js';
import type { Dispatcher } from 'undici';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

/** How long the headers of one authentication are reused for the same identity. */
export const AUTH_REUSE_MS = 5_000;

/** Client-node's FileAuth re-reads its token file once this much time has passed since the last read. */
export const CLIENT_NODE_TOKEN_REREAD_MS = 60_000;

interface Authentication {
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly expiresAt: number;
}

/** True when the user's credentials are static or a token file: nothing client-node tracks an expiry for. */
export function isReusableIdentity(user: User | null): boolean {
  if (user === null || user.exec !== undefined) return false;
  if (user.authProvider === undefined) return true;
  const provider = user.authProvider as { name?: unknown; config?: { tokenFile?: unknown } };
  return provider.name === 'tokenFile' && typeof provider.config?.tokenFile === 'string';
}

export class PooledKubeConfig extends KubeConfig {
  /** Both bounded by the kubeconfig's (cluster, user) pairs. */
  private readonly pools = new Map<string, Dispatcher>();
  private readonly authentications = new Map<string, Authentication>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const key = `${this.getCurrentCluster()?.server ?? ''}\u0000${this.getCurrentUser()?.name ?? ''}`;
    const now = Date.now();
    const reused = this.authentications.get(key);
    const pooled = this.pools.get(key);
    if (reused !== undefined && now < reused.expiresAt) {
      for (const [name, value] of reused.headers) context.setHeaderParam(name, value);
      if (pooled !== undefined) context.setDispatcher(pooled as never);
      return;
    }
    const before = { ...context.getHeaders() };
    await super.applySecurityAuthentication(context);
    if (isReusableIdentity(this.getCurrentUser())) {
      const headers = Object.entries(context.getHeaders()).filter(([name, value]) => before[name] !== value);
      this.authentications.set(key, { headers, expiresAt: now + AUTH_REUSE_MS });
    }
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
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
    this.authentications.clear();
  }
}

/** Loads from a kubeconfig file, or in-cluster (service account) when no path is given and one exists. */
export function loadKubeConfig(path: string | undefined): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}
