/**
 * One reconcile, instrumented as controller-runtime instruments it, for every controller of Cairn:
 * its duration, its result, and an error that escaped its steps handed to the error policy, which
 * decides what status to write (through `report`) and what the queue does next.
 *
 * Contract: never throws. A failure of `report` itself is logged, not retried here: the verdict's
 * requeue brings the key back.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.ts';
import { afterError, type ErrorVerdict } from './error-policy.ts';
import type { ProcessResult } from './work-queue.ts';

export async function runReconcile(
  controller: string,
  deps: { readonly metrics: Metrics; readonly log: Logger },
  steps: () => Promise<ProcessResult>,
  report: (status: NonNullable<ErrorVerdict['status']>) => Promise<void>,
): Promise<ProcessResult> {
  const { metrics, log } = deps;
  const end = metrics.reconcileTime.startTimer({ controller });
  let result: ProcessResult;
  try {
    result = await steps();
  } catch (error) {
    const verdict = afterError(error);
    log.warn({ err: error }, verdict.logMessage);
    if (verdict.isReconcileError) metrics.reconcileErrors.inc({ controller });
    if (verdict.status?.kind === 'terminal') metrics.terminalErrors.inc({ controller });
    if (verdict.status !== undefined) await report(verdict.status).catch((e: unknown) => log.warn({ err: e }, 'could not report status'));
    result = verdict.next;
  }
  end();
  metrics.reconcileTotal.inc({ controller, result: result.kind === 'done' ? 'success' : 'requeue' });
  return result;
}
