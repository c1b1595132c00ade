/**
 * The operator's entry point loads client-node's KubeConfig without the generated API (models and API
 * clients): the whole module graph is loaded by `main.ts --help` (operator.ts and everything it
 * imports, then the help text), in a child Node that records every module it loads
 * (test/support/modules-loaded.ts).
 */
import { describe, expect, it } from 'vitest';
import { modulesLoadedBy } from '../../support/modules-loaded.ts';

describe('the operator loads client-node without its generated API', () => {
  let loaded: string[] | undefined;
  const operatorModules = (): string[] => (loaded ??= modulesLoadedBy('src/main.ts', ['--help']));

  it('loads KubeConfig (config.js) and the request context, and no generated model or API client', { timeout: 60_000 }, () => {
    const clientNode = operatorModules().filter((url) => url.includes('/node_modules/@kubernetes/client-node/'));
    expect(clientNode.some((url) => url.endsWith('/dist/config.js'))).toBe(true);
    expect(clientNode.some((url) => url.endsWith('/dist/gen/http/http.js'))).toBe(true);
    expect(clientNode.filter((url) => /\/dist\/gen\/(models|apis|types)\/|\/dist\/gen\/index\.js$|\/dist\/index\.js$/.test(url))).toEqual([]);
  });

  it("loads undici's dispatchers and request API, and not its index (fetch, WebSocket, caches, mocks)", { timeout: 60_000 }, () => {
    const undici = operatorModules().filter((url) => url.includes('/node_modules/undici/'));
    expect(undici.some((url) => url.endsWith('/lib/dispatcher/agent.js'))).toBe(true);
    expect(undici.some((url) => url.endsWith('/lib/api/api-request.js'))).toBe(true);
    expect(undici.filter((url) => url.endsWith('/undici/index.js') || url.includes('/lib/web/'))).toEqual([]);
  });

  it("does not load Node's bundled undici (node:http's WebSocket, CloseEvent and MessageEvent)", { timeout: 60_000 }, () => {
    const modules = operatorModules();
    expect(modules.some((url) => url === 'node:NativeModule http')).toBe(true);
    expect(modules.filter((url) => url.includes('deps/undici'))).toEqual([]);
  });
});
