/**
 * The package as an application installs it: `npm pack` of a copy of this checkout (its prepack
 * builds dist/), the tarball installed by npm into an empty project outside the repository, then used
 * there with plain Node 24 and no type stripping (Node strips none under node_modules): `import` of
 * `cairn/client` reading a committed value from the shared etcd, the `cairn` bin (`--help`,
 * `validate`), and a TypeScript consumer checked by tsc against the installed declarations.
 * Packed once per run. About 15 s of CPU (tsc twice, npm twice); the timeouts are for a loaded machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { database as databaseDefinition } from '../../../src/schemas/database.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { validatorWasmPath } from '../../support/engine.ts';
import { commitDirectly } from '../client/commits.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** What a fresh clone does not have (all ignored by git): left out of the copy that is packed. */
const NOT_IN_A_CLONE = new Set(['node_modules', '.git', '.cairn', 'dist', 'coverage']);

const work = mkdtempSync(join(tmpdir(), 'cairn-package-'));
const app = join(work, 'app');
/** Node 24 first on PATH: `#!/usr/bin/env node` of the installed bin, and npm, run on it. */
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, CAIRN_DEV_DIR: '/nonexistent', NODE_OPTIONS: '' };
let packed: { filename: string; files: { path: string }[] };

function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: options.cwd ?? app, env: { ...env, ...options.env }, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  const checkout = join(work, 'checkout');
  cpSync(ROOT, checkout, { recursive: true, filter: (path) => !NOT_IN_A_CLONE.has(basename(path)) || dirname(path) !== ROOT });
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
  [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: checkout, env, encoding: 'utf8' })) as [typeof packed];
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // From npm's cache where npm ci filled it; what is missing there comes from the registry.
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename)], { cwd: app, env, encoding: 'utf8' });
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed and installed package', () => {
  it('holds the compiled command and client with their declarations, the bin, and no sources or tests', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/cairn.js', 'dist/cli/main.js', 'dist/client/index.js', 'dist/client/index.d.ts']));
    expect(files.filter((f) => !/^(bin|dist)\//.test(f) && !['package.json', 'README.md'].includes(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('plain Node imports cairn/client from it and reads a committed value, typed and checked', async () => {
    const prefix = `/${uniqueName('package')}`;
    const writer = new Etcd3({ hosts: [...controlPlane().storeEndpoints] });
    const value = databaseDefinition.schema.parse({ ...databaseDefinition.example, port: 6543 });
    const revision = await commitDirectly(writer, prefix, 'shop', 'checkout/db', 'database@v1', value).finally(() => writer.close());
    writeFileSync(
      join(app, 'read.js'),
      [
        "import { createClient, database, NotFoundError } from 'cairn/client';",
        'const client = createClient({ endpoints: process.argv[2].split(","), prefix: process.argv[3] });',
        "const entry = await client.get('shop', 'checkout/db', { schema: database });",
        "const missing = await client.get('shop', 'nothing').catch((e) => e);",
        'console.log(JSON.stringify({ revision: entry.revision, port: entry.value.port, missing: missing instanceof NotFoundError }));',
        'await client.close();',
      ].join('\n'),
    );
    const read = run(process.execPath, ['--no-experimental-strip-types', 'read.js', controlPlane().storeEndpoints.join(','), prefix]);
    expect([read.status, read.stderr]).toEqual([0, '']);
    expect(JSON.parse(read.stdout)).toEqual({ revision, port: 6543, missing: true });
  });

  it('its bin runs as `npx cairn` (help with the exit codes) and validates a manifest', () => {
    const help = run('npx', ['--no-install', 'cairn', '--help']);
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toContain('validate [options]');
    expect(help.stdout).toContain('5  denied');
    const validate = run(join(app, 'node_modules', '.bin', 'cairn'), ['validate', '-f', join(ROOT, 'deploy', 'samples', 'database.yaml')], { env: { CAIRN_SCHEMA_ENGINE_FILE: validatorWasmPath() } });
    expect([validate.status, validate.stderr]).toEqual([0, '']);
    expect(validate.stdout).toMatch(/ConfigEntry cairn-demo\/checkout-db\s+valid \(database@v1\)/);
  }, 180_000);

  it('a TypeScript consumer (nodenext) type-checks against its declarations, and so does a module `cairn types` prints', () => {
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2024', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] }, include: ['*.ts'] }));
    const types = run(join(app, 'node_modules', '.bin', 'cairn'), ['types', 'feature-flags@v1']);
    expect([types.status, types.stderr]).toEqual([0, '']);
    writeFileSync(join(app, 'feature-flags.ts'), types.stdout);
    writeFileSync(
      join(app, 'use.ts'),
      [
        "import { createClient, database, type Entry, type Database, PermissionDeniedError, type ReadErrorCode } from 'cairn/client';",
        "import { isFeatureFlagsV1 } from './feature-flags.js';",
        "const client = createClient({ endpoints: ['http://127.0.0.1:2379'], auth: { username: 'u', password: 'p' } });",
        "export const entry: Entry<Database> = await client.get('shop', 'checkout/db', { schema: database, atLeast: '7' });",
        'export const port: number = entry.value.port;',
        "export const code: ReadErrorCode = new PermissionDeniedError('no').code;",
        'export const flags: boolean = isFeatureFlagsV1({});',
        '// @ts-expect-error: Database has no such field (the types are real, not any)',
        'export const nope = entry.value.nope;',
      ].join('\n'),
    );
    const tsc = run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app]);
    expect([tsc.status, tsc.stdout, tsc.stderr]).toEqual([0, '', '']);
  }, 180_000);
});
