/**
 * The probe and metrics endpoints: /healthz (the process is alive and its loops run), /readyz (the
 * informer has synced and etcd answers), /metrics (Prometheus text), and /debug/heap (memory after a
 * forced GC: process.memoryUsage() and, under `spaces`, V8's heap by space) only in a process
 * started with --expose-gc.
 *
 * Liveness fails only for what a restart cures (liveness.ts); readiness says whether a dependency
 * is down.
 */
import { type Server, createServer } from 'node:http';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Registry } from 'prom-client';

export interface HealthChecks {
  /** Liveness: why the process should be restarted (empty = live). */
  readonly notLive: () => string[];
  /** Readiness: names of the checks that fail (empty = ready). */
  readonly notReady: () => Promise<string[]>;
}

export function startHealthServer(port: number, host: string, checks: HealthChecks, registry: Registry): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (path === '/healthz' || path === '/livez') {
      const failing = checks.notLive();
      return reply(failing.length === 0 ? 200 : 500, failing.length === 0 ? 'ok\n' : `not live: ${failing.join(', ')}\n`);
    }
    if (path === '/readyz') {
      void checks.notReady().then(
        (failing) => reply(failing.length === 0 ? 200 : 503, failing.length === 0 ? 'ok\n' : `not ready: ${failing.join(', ')}\n`),
        (error: unknown) => reply(503, `not ready: ${String(error)}\n`),
      );
      return;
    }
    if (path === '/debug/heap' && typeof globalThis.gc === 'function') {
      // Only when the process runs with --expose-gc (the benchmark does; production never does).
      globalThis.gc();
      globalThis.gc();
      const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size, physical: s.physical_space_size }]));
      return reply(200, JSON.stringify({ ...process.memoryUsage(), spaces }), 'application/json');
    }
    if (path === '/metrics') {
      void registry.metrics().then((text) => reply(200, text, registry.contentType));
      return;
    }
    reply(404, 'not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
