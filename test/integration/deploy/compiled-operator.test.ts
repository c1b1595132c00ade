/**
 * The operator as the image runs it: src/ compiled by the Dockerfile's own command
 * (`tsc -p tsconfig.build.json`), laid out as the image lays it out (/app/dist, /app/node_modules,
 * /app/package.json), started as `node dist/main.js`, reconciling against the real control plane.
 * Needs no container engine; image-container.test.ts builds and runs the image itself.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperatorProcess, startOperatorProcess } from '../../../tools/controlplane/operator-process.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { Entries } from '../../support/entries.ts';
import { modulesLoadedBy } from '../../support/modules-loaded.ts';
import { StoreReader } from '../../support/store.ts';
import { ROOT } from './support.ts';

describe('the compiled operator', () => {
  const app = join(mkdtempSync(join(tmpdir(), 'cairn-image-')), 'app');
  const main = join(app, 'dist', 'main.js');
  const namespace = uniqueName('compiled');
  const prefix = `/${uniqueName('compiled')}`;
  const entries = new Entries(namespace);
  const store = new StoreReader();
  let operator: OperatorProcess | undefined;

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], { encoding: 'utf8' });
    copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
  }, 120_000);
  afterAll(async () => {
    await operator?.stop();
    await entries.deleteNamespace();
    store.close();
  });

  it('is plain JavaScript: no .ts file and no import of one', () => {
    const files = readdirSync(join(app, 'dist'), { recursive: true, encoding: 'utf8' });
    expect(files).toContain('main.js');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    const result = spawnSync(process.execPath, ['--no-experimental-strip-types', main, '--help'], { encoding: 'utf8', cwd: app });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('--etcd-endpoints');
    expect(result.status).toBe(0);
  });

  it("loads what src/main.ts loads (the hooks find their compiled targets): etcd3's generated descriptor, and not proto-loader, undici's index, Node's bundled undici or client-node's generated API", () => {
    const loaded = modulesLoadedBy(main, ['--help']);
    expect(loaded.some((url) => url.endsWith('/dist/etcd/etcd3-rpc-descriptor.js'))).toBe(true);
    expect(loaded.some((url) => url.endsWith('/dist/kube/undici-core.js'))).toBe(true);
    expect(loaded.some((url) => url.endsWith('/dist/http-facade.js'))).toBe(true);
    const unwanted = loaded.filter(
      (url) =>
        url.includes('/node_modules/@grpc/proto-loader/') ||
        url.endsWith('/undici/index.js') ||
        url.includes('deps/undici') ||
        /\/@kubernetes\/client-node\/dist\/(gen\/(models|apis|types)\/|gen\/index\.js$|index\.js$)/.test(url),
    );
    expect(unwanted).toEqual([]);
  }, 60_000);

  it('commits an entry and reports it Ready', async () => {
    await entries.createNamespace();
    operator = await startOperatorProcess({
      main,
      kubeconfig: controlPlane().kubeconfig,
      storeEndpoints: controlPlane().storeEndpoints,
      dir: mkdtempSync(join(tmpdir(), 'cairn-op-')),
      nodeArgs: ['--no-experimental-strip-types'],
      args: [`--watch-namespace=${namespace}`, `--prefix=${prefix}`, '--no-leader-elect', `--identity=${uniqueName('compiled')}`],
      env: { NODE_ENV: 'production' },
    });
    await entries.create('flags', { schema: 'feature-flags@v1', data: { flags: {} } });
    const ready = await entries.waitReady('flags');
    expect((await store.get(`${prefix}/data/${namespace}/flags`))?.modRevision).toBe(ready.status?.revision);
  });
});
