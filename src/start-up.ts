/**
 * What the operator process does before it loads the operator (main.ts calls these, then imports
 * operator.ts): read the configuration, and send the first lists of ConfigEntries and ConfigBundles.
 *
 * Why the lists go first: on a restart over many entries the first LIST is the longest wait (the
 * apiserver reads and encodes every object), and loading the rest of the operator (etcd's client,
 * the controllers) is about half of its module loading. Sent before that, the list is built by the
 * apiserver while this process compiles; the informers take these answers as their first list
 * (kube/first-list.ts) instead of asking again.
 *
 * Guarantees: nothing but reads is sent; a first list is an ordinary list, answered or failed as any
 * (its informer reports a failure and lists again, as after any failed first list). This module loads
 * neither etcd's client nor the controllers (test/unit/start-up.test.ts).
 * Errors: `configOrExit` exits (0 after --help, 2 on a bad setting), as the operator always did; a
 * kubeconfig that cannot be read sends nothing here (the operator then fails on it as before).
 */
import diagnostics from 'node:diagnostics_channel';
import type { ConfigBundle } from './api/config-bundle.ts';
import { type Config, ConfigError, HelpShown, loadConfig } from './config.ts';
import { BUNDLE_PLURAL, PLURAL } from './api/names.ts';
import { type ConfigEntryList, listResource, type ResourceList } from './kube/config-entries.ts';
import { loadKubeConfig, type PooledKubeConfig } from './kube/kube-config.ts';

/** The configuration from argv and env; exits on --help or a bad setting. */
export function configOrExit(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(argv, env);
  } catch (error) {
    if (error instanceof HelpShown) process.exit(0);
    console.error(error instanceof ConfigError ? `cairn-operator: ${error.message}` : error);
    process.exit(2);
  }
}

/** The kubeconfig loaded once (the operator goes on with it: its pooled connection), and the first lists. */
export interface FirstLists {
  readonly kubeConfig: PooledKubeConfig;
  readonly entries: Promise<ConfigEntryList>;
  readonly bundles: Promise<ResourceList<ConfigBundle>>;
}

/**
 * Longest wait for the lists to be on the wire. Loading modules blocks the event loop, so a request
 * that has not yet connected (TLS takes a few turns of the loop) would wait for the loading to end.
 */
const SEND_WAIT_MS = 500;

/** Sends the first lists and returns once they are sent (or answered, or failed, or SEND_WAIT_MS passed). */
export async function sendFirstLists(config: Config): Promise<FirstLists | undefined> {
  let kubeConfig: PooledKubeConfig;
  try {
    kubeConfig = loadKubeConfig(config.kubeconfig);
  } catch {
    return undefined; // the operator loads it again and says why it cannot
  }
  const paths = [PLURAL, BUNDLE_PLURAL].map((plural) => `/${plural}`);
  let unsent = paths.length;
  let done: () => void = () => undefined;
  const sent = new Promise<void>((resolve) => (done = resolve));
  // undici publishes each request's headers as it writes them (its documented diagnostics channel).
  const onHeaders = (message: unknown): void => {
    const path = (message as { request?: { path?: unknown } }).request?.path;
    if (typeof path === 'string' && paths.some((p) => path.split('?')[0]?.endsWith(p)) && --unsent === 0) done();
  };
  diagnostics.subscribe('undici:client:sendHeaders', onHeaders);
  // Awaited by the informers later; until then a failure is handled here (not an unhandled rejection).
  const settled = (list: Promise<unknown>): Promise<void> => list.then(() => undefined, () => undefined);
  const entries = listResource<ConfigEntryList['items'][number]>(kubeConfig, PLURAL, config.watchNamespace);
  const bundles = listResource<ConfigBundle>(kubeConfig, BUNDLE_PLURAL, config.watchNamespace);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([sent, Promise.all([settled(entries), settled(bundles)]), new Promise((resolve) => (timer = setTimeout(resolve, SEND_WAIT_MS)))]);
  } finally {
    clearTimeout(timer);
    diagnostics.unsubscribe('undici:client:sendHeaders', onHeaders);
  }
  return { kubeConfig, entries, bundles };
}
