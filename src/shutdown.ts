/**
 * The operator's stop order, as main.ts wires it: stop taking work and let in-flight reconciles
 * finish (the ConfigSchema controller, the ConfigBundle controller, then the manager, which releases the
 * Lease last), write the
 * Events those reconciles recorded, then close the health server and the connections.
 *
 * Guarantees: Events still waiting when the queue has drained are written before the Kubernetes
 * connections close, for at most `eventFlushLimitMs` (an apiserver that does not answer must not
 * hold the exit past the signal's grace: the dev tool's 10 s, the pod's 30 s); past the bound the rest
 * are dropped with one warning.
 * Errors: a step's rejection propagates (the caller exits anyway).
 */

/** Long enough for a few rounds of the recorder's 4 concurrent writes, short enough for Ctrl-C. */
export const EVENT_FLUSH_LIMIT_MS = 3_000;

export interface StoppableParts {
  readonly schemas: { stop(): Promise<void> } | undefined;
  /** The ConfigBundle controller: drained before the manager, which releases the Lease. */
  readonly bundles?: { stop(): Promise<void> } | undefined;
  readonly manager: { stop(): Promise<void> };
  readonly events: { flushed(): Promise<void> };
  readonly closeServer: () => Promise<void>;
  readonly etcd: { close(): void };
  readonly kubeConfig: { close(): Promise<void> };
  readonly log: { info(message: string): void; warn(fields: object, message: string): void };
}

export async function stopOperator(parts: StoppableParts, eventFlushLimitMs = EVENT_FLUSH_LIMIT_MS): Promise<void> {
  parts.log.info('shutting down');
  await parts.schemas?.stop();
  await parts.bundles?.stop();
  await parts.manager.stop();
  if (!(await within(parts.events.flushed(), eventFlushLimitMs))) parts.log.warn({ limitMs: eventFlushLimitMs }, 'events still waiting at shutdown were not written');
  await parts.closeServer();
  parts.etcd.close();
  await parts.kubeConfig.close();
}

/** Whether `promise` settled within `ms`. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
