import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { apply, configSchema, kubectl } from '../config-schema/support.ts';
import { clusterEnv, runCairn } from './run-cairn.ts';

const SAMPLES = join(import.meta.dirname, '../../../deploy/samples');
const dir = mkdtempSync(join(tmpdir(), 'cairn-validate-'));
const schemaName = uniqueName('cli-validate');

afterAll(() => {
  kubectl(['delete', 'configschema', schemaName, '--ignore-not-found', '--wait=false']);
});

const PAYMENTS = {
  type: 'object',
  required: ['currency'],
  properties: { currency: { type: 'string', enum: ['EUR', 'USD'] }, retries: { type: 'integer', minimum: 0, maximum: 10, default: 3 } },
};

function entry(name: string, schema: string, data: unknown): unknown {
  return { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name, namespace: 'shop' }, spec: { schema, data } };
}

describe('cairn validate', () => {
  it('judges deploy/samples as their names say: every invalid-* document invalid, every other Cairn object valid; exit 1', async () => {
    const run = await runCairn(['validate', '-f', SAMPLES, '-o', 'json'], { env: clusterEnv() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { documents: { file: string; kind: string; status: string; problems: { line: number; field: string }[] }[] };
    const cairn = report.documents.filter((d) => ['ConfigEntry', 'ConfigSchema', 'ConfigBundle'].includes(d.kind));
    expect(cairn.length).toBe(readdirSync(SAMPLES).filter((f) => f.endsWith('.yaml') && !f.startsWith('00-')).length);
    for (const d of cairn) expect([d.file, d.status]).toEqual([d.file, d.file.split('/').pop()?.startsWith('invalid-') ? 'invalid' : 'valid']);
    expect(report.documents.find((d) => d.kind === 'Namespace')?.status).toBe('skipped');
  });

  it('exits 0 when every file is valid, and says so in one summary line', async () => {
    const valid = readdirSync(SAMPLES).filter((f) => f.endsWith('.yaml') && !f.startsWith('invalid-')).map((f) => join(SAMPLES, f));
    const run = await runCairn(['validate', ...valid.flatMap((f) => ['-f', f])], { env: clusterEnv() });
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').pop()).toBe(`${valid.length} documents in ${valid.length} files: ${valid.length - 1} valid, 0 invalid, 1 skipped`);
  });

  it('names the file, the line and the field of each problem in a multi-document file, with the apiserver\'s message for a declared schema', async () => {
    const file = join(dir, 'multi.yaml');
    const text = [
      stringify(configSchema('payments', [{ name: 'v1', openAPIV3Schema: PAYMENTS }])),
      stringify(entry('good', 'payments@v1', { currency: 'EUR' })),
      stringify(entry('bad', 'payments@v1', { currency: 'GBP', retries: 3 })),
    ].join('---\n');
    writeFileSync(file, text);
    const badLine = text.split('\n').findIndex((l) => l.includes('currency: GBP')) + 1;
    const run = await runCairn(['validate', '-f', file, '-o', 'json'], { env: clusterEnv() });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { summary: unknown; documents: { index: number; name: string; status: string; problems: unknown[] }[] };
    expect(report.summary).toEqual({ files: 1, documents: 3, valid: 2, invalid: 1, skipped: 0 });
    expect(report.documents.map((d) => [d.index, d.name, d.status])).toEqual([[1, 'payments', 'valid'], [2, 'good', 'valid'], [3, 'bad', 'invalid']]);
    expect(report.documents[2]?.problems).toEqual([{ field: 'spec.data.currency', line: badLine, message: 'spec.data.currency: Unsupported value: "GBP": supported values: "EUR", "USD"' }]);

    const table = await runCairn(['validate', '-f', file], { env: clusterEnv() });
    expect(table.stdout).toContain(`${file}:${badLine}: spec.data.currency: Unsupported value: "GBP"`);
  });

  it('refuses a ConfigSchema the engine refuses, naming the version and the schema path, and the entries naming it', async () => {
    const file = join(dir, 'bad-schema.yaml');
    writeFileSync(file, [stringify(configSchema('broken', [{ name: 'v1', openAPIV3Schema: { type: 'object', properties: { a: { minimum: 1 } } } }])), stringify(entry('e', 'broken@v1', { a: 2 }))].join('---\n'));
    const run = await runCairn(['validate', '-f', file, '-o', 'yaml'], { env: clusterEnv() });
    expect(run.code).toBe(1);
    const report = parse(run.stdout) as { documents: { status: string; problems: { message: string }[] }[] };
    expect(report.documents.map((d) => d.status)).toEqual(['invalid', 'invalid']);
    expect(report.documents[0]?.problems[0]?.message).toMatch(/^spec\.versions\[0\] \(v1\): openAPIV3Schema\.properties\[a\]\.type: Required value/);
    expect(report.documents[1]?.problems[0]?.message).toMatch(/^spec\.schema: ConfigSchema broken is not Ready: v1: openAPIV3Schema\.properties\[a\]\.type/);
  });

  it('judges a ConfigBundle member by member, naming the member of each problem', async () => {
    const bundle = {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'ConfigBundle',
      metadata: { name: 'b', namespace: 'shop' },
      spec: { members: [{ key: 'a', schema: 'database@v1', data: { host: 'h', database: 'd', user: 'u' } }, { key: 'b', schema: 'database@v1', data: { host: 'h', database: 'd', user: 'u', port: 'x' } }] },
    };
    const run = await runCairn(['validate', '-f', '-', '-o', 'json'], { env: clusterEnv(), input: stringify(bundle) });
    expect(run.code).toBe(1);
    const [doc] = (JSON.parse(run.stdout) as { documents: { kind: string; status: string; problems: { field: string; message: string }[] }[] }).documents;
    expect([doc?.kind, doc?.status]).toEqual(['ConfigBundle', 'invalid']);
    expect(doc?.problems.map((p) => p.field)).toContain('spec.members[1].data.port');
    expect(doc?.problems.every((p) => p.message.startsWith('spec.members[1]'))).toBe(true);
  });

  it('reports a YAML syntax error with its line; reads stdin with -f -', async () => {
    const run = await runCairn(['validate', '-f', '-'], { env: clusterEnv(), input: 'kind: ConfigEntry\nspec:\n  data: [1, 2\n' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/\(stdin\):\d+: YAML: line \d+: /);
  });

  it('a file that does not exist is a usage error (exit 2): one line on stderr, nothing judged', async () => {
    const run = await runCairn(['validate', '-f', join(SAMPLES, 'database.yaml'), '-f', '/nonexistent/x.yaml'], { env: clusterEnv() });
    expect([run.code, run.stdout, run.stderr]).toEqual([2, '', 'cairn: -f /nonexistent/x.yaml: no such file or directory\n']);
  });

  it('without a schema engine file configured, says how to get one (exit 2)', async () => {
    const run = await runCairn(['validate', '-f', join(SAMPLES, 'database.yaml')], { env: { KUBECONFIG: controlPlane().kubeconfig } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^cairn: the schema engine file is needed to judge data: pass --schema-engine-file/);
  });

  it('--cluster uses the ConfigSchemas declared in the cluster; without it their entries name an unknown schema', async () => {
    expect(apply(configSchema(schemaName, [{ name: 'v1', openAPIV3Schema: PAYMENTS }])).stderr).toBe('');
    const file = join(dir, 'cluster.yaml');
    writeFileSync(file, [stringify(entry('ok', `${schemaName}@v1`, { currency: 'USD' })), stringify(entry('ko', `${schemaName}@v1`, { currency: 'USD', retries: 11 }))].join('---\n'));
    const offline = await runCairn(['validate', '-f', file, '-o', 'json'], { env: clusterEnv() });
    expect(offline.code).toBe(1);
    expect(offline.stdout).toContain(`no schema \\"${schemaName}@v1\\" is embedded in this operator or declared by a ConfigSchema`);
    const run = await runCairn(['validate', '--cluster', '-f', file, '-o', 'json'], { env: clusterEnv() });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { documents: { status: string; problems: { message: string }[] }[] };
    expect(report.documents.map((d) => d.status)).toEqual(['valid', 'invalid']);
    expect(report.documents[1]?.problems.map((p) => p.message)).toEqual(['spec.data.retries: Invalid value: 11: spec.data.retries in body should be less than or equal to 10']);
  });

  it('--cluster with an apiserver that does not answer is unavailable (exit 3)', async () => {
    const kubeconfig = join(dir, 'dead-kubeconfig');
    writeFileSync(kubeconfig, readFileSync(controlPlane().kubeconfig, 'utf8').replace(/server: \S+/, 'server: https://127.0.0.1:1'));
    const run = await runCairn(['validate', '--cluster', '-f', join(SAMPLES, 'database.yaml')], { env: { ...clusterEnv(), KUBECONFIG: kubeconfig } });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe('cairn: the apiserver at https://127.0.0.1:1 did not answer: ECONNREFUSED\n');
  });

  it('judges each item of a List as kubectl prints one (`kubectl get configentries -o yaml`), naming the item and the line', async () => {
    // A namespace the finalizer policy leaves out: its entries are deleted with it, no operator needed.
    const namespace = uniqueName('cli-list');
    const manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'cairn.dev/admission-finalizer': 'disabled' } } };
    expect(apply(manifest).stderr).toBe('');
    try {
      const db = { host: 'h', database: 'd', user: 'u' };
      for (const [name, port] of [['list-a', 1111], ['list-b', 2222]] as const) {
        expect(apply({ ...(entry(name, 'database@v1', { ...db, port }) as object), metadata: { name, namespace } }).stderr).toBe('');
      }
      const printed = kubectl(['get', 'configentries', '-n', namespace, '-o', 'yaml']);
      expect([printed.ok, printed.stderr]).toEqual([true, '']);
      expect(parse(printed.stdout)).toMatchObject({ apiVersion: 'v1', kind: 'List' });
      const list = join(dir, 'list.yaml');
      writeFileSync(list, printed.stdout);
      const run = await runCairn(['validate', '-f', list, '-o', 'json'], { env: clusterEnv() });
      expect([run.code, run.stderr]).toEqual([0, '']);
      type Report = { summary: unknown; documents: { item?: string; name: string; status: string; problems: { field: string; line: number }[] }[] };
      expect((JSON.parse(run.stdout) as Report).documents.map((d) => [d.item, d.name, d.status])).toEqual([['items[0]', 'list-a', 'valid'], ['items[1]', 'list-b', 'valid']]);

      const broken = printed.stdout.replace('port: 2222', 'port: "2222"');
      writeFileSync(list, broken);
      const invalid = await runCairn(['validate', '-f', list, '-o', 'json'], { env: clusterEnv() });
      expect(invalid.code).toBe(1);
      const report = JSON.parse(invalid.stdout) as Report;
      expect(report.summary).toEqual({ files: 1, documents: 2, valid: 1, invalid: 1, skipped: 0 });
      expect(report.documents[1]?.problems.map((p) => [p.field, p.line])).toContainEqual(['spec.data.port', broken.split('\n').findIndex((l) => l.includes('port: "2222"')) + 1]);
    } finally {
      kubectl(['delete', 'namespace', namespace, '--wait=false']);
    }
  });

  it('--context picks the kubeconfig context --cluster reads, as kubectl\'s does; an unknown one is a usage error (exit 2)', async () => {
    expect(apply(configSchema(schemaName, [{ name: 'v1', openAPIV3Schema: PAYMENTS }])).stderr).toBe('');
    const config = parse(readFileSync(controlPlane().kubeconfig, 'utf8')) as { 'current-context': string; clusters: { name: string; cluster: { server: string } }[]; contexts: { name: string; context: { cluster: string; user: string } }[] };
    const live = config['current-context'];
    const user = config.contexts.find((c) => c.name === live)?.context.user ?? '';
    config.clusters.push({ name: 'dead', cluster: { server: 'https://127.0.0.1:1' } });
    config.contexts.push({ name: 'dead', context: { cluster: 'dead', user } });
    config['current-context'] = 'dead';
    const kubeconfig = join(dir, 'two-contexts');
    writeFileSync(kubeconfig, stringify(config));
    const file = join(dir, 'context.yaml');
    writeFileSync(file, stringify(entry('ok', `${schemaName}@v1`, { currency: 'EUR' })));
    const env = { ...clusterEnv(), KUBECONFIG: kubeconfig };

    const current = await runCairn(['validate', '--cluster', '-f', file], { env });
    expect([current.code, current.stderr]).toEqual([3, 'cairn: the apiserver at https://127.0.0.1:1 did not answer: ECONNREFUSED\n']);
    const picked = await runCairn(['validate', '--cluster', '--context', live, '-f', file, '-o', 'json'], { env });
    expect([picked.code, picked.stderr]).toEqual([0, '']);
    expect((JSON.parse(picked.stdout) as { documents: { status: string }[] }).documents.map((d) => d.status)).toEqual(['valid']);
    const unknown = await runCairn(['validate', '--cluster', '--context', 'nope', '-f', file], { env });
    expect([unknown.code, unknown.stdout]).toEqual([2, '']);
    expect(unknown.stderr).toBe(`cairn: --context nope: no such context in the kubeconfig ${kubeconfig} (it has: ${live}, dead)\n`);
  });
});
