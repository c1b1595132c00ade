/**
 * Prometheus metrics under controller-runtime's names (so dashboards and alerts written for
 * controller-runtime operators work unchanged), plus Cairn's own: etcd transactions by result, drift,
 * and per-stage reconcile timings.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const RECONCILE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';
export type TxnResultLabel = 'committed' | 'unchanged' | 'compare_failed' | 'error' | 'outcome_unknown';
export type Stage = 'queue_wait' | 'etcd_read' | 'etcd_txn' | 'status_patch' | 'finalizer';

export class Metrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers: [this.registry] });
  readonly reconcileErrors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers: [this.registry] });
  readonly terminalErrors = new Counter({ name: 'controller_runtime_terminal_reconcile_errors_total', help: 'Total number of terminal reconciliation errors per controller', labelNames: ['controller'], registers: [this.registry] });
  readonly reconcileTime = new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Length of time per reconciliation per controller', labelNames: ['controller'], buckets: RECONCILE_BUCKETS, registers: [this.registry] });
  readonly maxConcurrent = new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller', labelNames: ['controller'], registers: [this.registry] });
  readonly activeWorkers = new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller', labelNames: ['controller'], registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers: [this.registry] });
  readonly queueAdds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers: [this.registry] });
  readonly queueRetries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers: [this.registry] });
  readonly queueLatency = new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested', labelNames: ['name'], buckets: RECONCILE_BUCKETS, registers: [this.registry] });
  readonly workDuration = new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes', labelNames: ['name'], buckets: RECONCILE_BUCKETS, registers: [this.registry] });
  readonly leader = new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master', labelNames: ['name'], registers: [this.registry] });
  readonly etcdTxns = new Counter({ name: 'cairn_etcd_txn_total', help: 'etcd transactions by result: committed, unchanged (nothing to write), compare_failed, error, outcome_unknown', labelNames: ['result'], registers: [this.registry] });
  readonly fencingLost = new Counter({ name: 'cairn_fencing_lost_total', help: 'Writes etcd refused because another process moved the fence (the transaction\'s read-back of P/fence names another holder or no fence); refusals caused by this replica\'s own fence moves are not counted', registers: [this.registry] });
  readonly drift = new Counter({ name: 'cairn_drift_total', help: 'Changes to managed etcd keys made outside Cairn, by action taken', labelNames: ['action'], registers: [this.registry] });
  readonly stage = new Histogram({ name: 'cairn_reconcile_stage_seconds', help: 'Time spent in each stage of a reconcile', labelNames: ['stage'], buckets: RECONCILE_BUCKETS, registers: [this.registry] });
  readonly watchEventsSkipped = new Counter({ name: 'cairn_watch_events_skipped_total', help: 'Kubernetes watch events skipped: malformed (not a JSON watch event) or handler (our handler threw on it)', labelNames: ['reason'], registers: [this.registry] });
  readonly eventsDropped = new Counter({ name: 'cairn_events_dropped_total', help: 'Kubernetes Events not written: spam (past the per-object rate limit) or queue_full (too many waiting to be written)', labelNames: ['reason'], registers: [this.registry] });
  readonly informerRelists = new Counter({ name: 'cairn_informer_relists_total', help: 'Informer re-lists after the first list (410 Gone, recoveries)', registers: [this.registry] });

  constructor(collectProcessMetrics = true) {
    if (collectProcessMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
