/** The work queue's hooks for one controller, as controller-runtime names its workqueue metrics. */
import type { Metrics } from '../observability/metrics.ts';
import type { QueueHooks } from './work-queue.ts';

/** Depth, adds, retries, wait and work durations and active workers of controller `name`'s queue; `onWaited` also hears each wait. */
export function queueMetrics(m: Metrics, name: string, onWaited?: (seconds: number) => void): QueueHooks {
  return {
    depth: (d) => m.queueDepth.set({ name }, d),
    added: () => m.queueAdds.inc({ name }),
    retried: () => m.queueRetries.inc({ name }),
    waited: (s) => {
      m.queueLatency.observe({ name }, s);
      onWaited?.(s);
    },
    worked: (s) => m.workDuration.observe({ name }, s),
    active: (n) => m.activeWorkers.set({ controller: name }, n),
  };
}
