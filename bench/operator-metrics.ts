/** Reading the operator's own Prometheus histograms: where the time goes, per stage. */

export interface StageFigure {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Quantile from cumulative histogram buckets (upper bound of the bucket holding it, like PromQL's nearest bound). */
function quantile(buckets: readonly { le: number; count: number }[], total: number, q: number): number {
  const target = q * total;
  for (const b of buckets) if (b.count >= target) return b.le;
  return Number.POSITIVE_INFINITY;
}

export function stageFigures(metricsText: string, metric = 'cairn_reconcile_stage_seconds', label = 'stage'): Record<string, StageFigure> {
  const byStage = new Map<string, { buckets: { le: number; count: number }[]; sum: number; count: number }>();
  const get = (stage: string) => {
    let v = byStage.get(stage);
    if (!v) byStage.set(stage, (v = { buckets: [], sum: 0, count: 0 }));
    return v;
  };
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const stage = new RegExp(`${label}="([^"]+)"`).exec(line)?.[1];
    if (stage === undefined) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith(`${metric}_bucket`)) {
      const le = /le="([^"]+)"/.exec(line)?.[1] ?? '+Inf';
      get(stage).buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: value });
    } else if (line.startsWith(`${metric}_sum`)) get(stage).sum = value;
    else if (line.startsWith(`${metric}_count`)) get(stage).count = value;
  }
  const figures: Record<string, StageFigure> = {};
  for (const [stage, h] of byStage) {
    h.buckets.sort((a, b) => a.le - b.le);
    figures[stage] = { count: h.count, meanMs: h.count ? (h.sum / h.count) * 1000 : 0, p50Ms: quantile(h.buckets, h.count, 0.5) * 1000, p99Ms: quantile(h.buckets, h.count, 0.99) * 1000 };
  }
  return figures;
}
