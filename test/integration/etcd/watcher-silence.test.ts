/**
 * PrefixWatcher's silence watchdog and progress requests, on an etcd of the test's own:
 * - an idle, healthy watch is never taken for a stuck one (progress notifications feed the watchdog);
 * - a watch that hears nothing (its member hung: SIGSTOP, the connection open, keepalive not yet
 *   due) is re-read and re-opened once the member answers again, with the resync reason 'silent'.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../../../src/etcd/client.ts';
import { EtcdCluster } from '../../../tools/controlplane/etcd-cluster.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { type Recorder, record, waitFor } from './watch-recorder.ts';

const SILENCE_MS = 1_500;
const PROGRESS_MS = 300;
const root = `/${uniqueName('etcd-silence')}`;
const dir = mkdtempSync(join(tmpdir(), 'cairn-silence-'));
let cluster: EtcdCluster;
let client: Etcd3;
let running: Recorder | undefined;

beforeAll(async () => {
  cluster = await EtcdCluster.start({ binary: controlPlane().etcd, dir, name: 'silence', members: 1, pidFile: join(dir, 'pids') });
  client = createEtcdClient({ endpoints: cluster.endpoints, requestTimeoutMs: 1_000 });
});
afterEach(async () => {
  cluster.resume(0);
  await running?.watcher.stop();
});
afterAll(async () => {
  client.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('PrefixWatcher.resync (the periodic resync)', () => {
  it('reads the prefix from etcd and hands it over without re-opening the watch', async () => {
    const p = `${root}/periodic/`;
    await client.put(`${p}a`).value('1');
    running = record(client, p, { silenceLimitMs: SILENCE_MS, progressIntervalMs: PROGRESS_MS });
    const r = running;
    await waitFor('the initial resync', () => r.resyncs.length === 1);
    await client.put(`${p}b`).value('2');
    await r.watcher.resync();
    expect(r.resyncs.map((x) => x.reason)).toEqual(['initial', 'periodic']);
    expect(r.resyncs[1]?.keys.map((k) => k.key)).toEqual([`${p}a`, `${p}b`]);
    expect(r.watcher.state).toBe('watching');
    await client.put(`${p}c`).value('3');
    await waitFor('events on the same watch', () => r.events.some((e) => e.key === `${p}c`));
    expect(r.errors).toEqual([]);
  });
});

describe('PrefixWatcher silence watchdog', () => {
  it('keeps an idle healthy watch: progress notifications count as signs of life', async () => {
    const p = `${root}/idle/`;
    running = record(client, p, { silenceLimitMs: SILENCE_MS, progressIntervalMs: PROGRESS_MS });
    const r = running;
    await waitFor('the initial resync', () => r.resyncs.length === 1);
    await new Promise((resolve) => setTimeout(resolve, SILENCE_MS * 3));
    expect(r.resyncs.map((x) => x.reason)).toEqual(['initial']);
    expect(r.errors).toEqual([]);
    expect(r.watcher.state).toBe('watching');
  });

  it('re-reads the prefix and re-opens the watch after hearing nothing within the bound', async () => {
    const p = `${root}/hung/`;
    await client.put(`${p}a`).value('1');
    running = record(client, p, { silenceLimitMs: SILENCE_MS, progressIntervalMs: PROGRESS_MS });
    const r = running;
    await waitFor('the initial resync', () => r.resyncs.length === 1);

    cluster.pause(0);
    await waitFor('the watchdog to give up on the silent stream', () => r.errors.some((e) => e.message.includes('nothing heard')), 10_000);
    cluster.resume(0);

    await waitFor('a resync after the silence', () => r.resyncs.some((x) => x.reason === 'silent'), 20_000);
    expect(r.resyncs.find((x) => x.reason === 'silent')?.keys.map((k) => k.key)).toEqual([`${p}a`]);
    await client.put(`${p}b`).value('2');
    await waitFor('an event on the re-opened watch', () => r.events.some((e) => e.key === `${p}b`), 20_000);
  });
});
