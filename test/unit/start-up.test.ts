/**
 * The operator sends its first lists of ConfigEntries and ConfigBundles before it loads etcd's client
 * and the controllers (start-up.ts), so the apiserver builds them while the rest loads. Observed in a
 * child Node running main.ts, recording module loads and the requests undici creates, in order.
 */
import { describe, expect, it } from 'vitest';
import { operatorStartUp } from '../support/modules-loaded.ts';

const ETCD3 = '/node_modules/etcd3/lib/index.js';

describe('start-up', () => {
  it('sends the first lists of ConfigEntries and ConfigBundles before it loads etcd3 or the controllers', { timeout: 60_000 }, () => {
    // The child exits as the first module of etcd3 loads: whatever it sent by then was sent before.
    const events = operatorStartUp({ loaded: ETCD3 });
    // etcd3 and the controllers: their first module (main.ts's resolve hook for etcd3 loads nothing of it).
    const heavy = events.findIndex((e) => e.endsWith(ETCD3) || /\/src\/(controller\/|etcd\/(?!proto-loader-slim\.ts$))/.test(e));
    expect(events[heavy]).toBeDefined();
    const before = events.slice(0, heavy);
    expect(before).toContain('request GET /apis/cairn.dev/v1alpha1/namespaces/shop/configentries');
    expect(before).toContain('request GET /apis/cairn.dev/v1alpha1/namespaces/shop/configbundles');
  });
});
