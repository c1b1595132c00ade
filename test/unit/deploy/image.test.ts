/**
 * The container image, checked without a container engine (integration/deploy/image-container.test.ts
 * builds and runs it where one runs): the Dockerfile passes
 * the dockerfile-utils validator and keeps the rules issue 5 set for it (multi-stage, Node 24 slim,
 * production dependencies only, non-root, nothing to write), the build context holds what it copies,
 * and what the compiled operator imports is in `dependencies`, so `npm ci --omit=dev` suffices.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { ValidationSeverity, validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEMA_ENGINE_FILE } from '../../../src/config.ts';
import { OPERATOR_NODE_FLAGS } from '../../../src/node-flags.ts';
import { baseImageName, recipeDigest, standInRecipe } from '../../../tools/image/recipe.ts';
import { STAGED_ENGINE } from '../../../tools/image/schema-engine.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Instructions (continuation lines joined, comments dropped), grouped into build stages. */
function stagesOf(dockerfile: string): { args: Instruction[]; stages: Stage[] } {
  const logical = dockerfile
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      stages.push({ from: match?.[1] ?? '', name: match?.[2], instructions: [] });
    } else if (stages.length === 0) args.push(instruction);
    else stages[stages.length - 1]?.instructions.push(instruction);
  }
  return { args, stages };
}

const { args: globalArgs, stages } = stagesOf(DOCKERFILE);
const runtime = stages[stages.length - 1] as Stage;
const nodeVersion = globalArgs.find((a) => a.keyword === 'ARG' && a.args.startsWith('NODE_VERSION='))?.args.split('=')[1];

describe('the Dockerfile', () => {
  it('passes the dockerfile-utils validator with every optional rule an error', () => {
    const strict = { deprecatedMaintainer: ValidationSeverity.ERROR, directiveCasing: ValidationSeverity.ERROR, emptyContinuationLine: ValidationSeverity.ERROR, instructionCasing: ValidationSeverity.ERROR, instructionCmdMultiple: ValidationSeverity.ERROR, instructionEntrypointMultiple: ValidationSeverity.ERROR, instructionHealthcheckMultiple: ValidationSeverity.ERROR, instructionJSONInSingleQuotes: ValidationSeverity.ERROR, instructionWorkdirRelative: ValidationSeverity.ERROR };
    expect(validate(DOCKERFILE, strict).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('is linted for real: the validator does object to a broken file', () => {
    expect(validate('FROM node:24-slim\nCOPY\nENTRYPOINT [\'node\']\nEXPOSE http\n').length).toBeGreaterThan(0);
  });

  it('builds in stages and runs on the Node 24 the project pins, slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(nodeVersion).toBe(PACKAGE.devDependencies.node);
    expect(nodeVersion).toMatch(/^24\.\d+\.\d+$/);
    for (const stage of stages) expect(stage.from).toBe('node:${NODE_VERSION}-bookworm-slim');
  });

  it('ships only production dependencies, the compiled operator and the schema engine', () => {
    const all = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    const copies = all.filter((c) => c.startsWith('--from='));
    // From the build context: the staged engine only, to where config.ts looks by default (dist/../engine).
    expect(all.filter((c) => !c.startsWith('--from='))).toEqual(['--chown=0:0 .cairn/image/validator.wasm ./engine/validator.wasm']);
    expect(runtime.instructions.find((i) => i.keyword === 'WORKDIR')?.args).toBe('/app');
    // config.ts sits at the top of src/ (dist/ in the image): its default is <top>/engine/validator.wasm.
    expect(DEFAULT_SCHEMA_ENGINE_FILE).toBe(join(ROOT, 'engine', 'validator.wasm'));
    const deps = stages.find((s) => copies.some((c) => c.startsWith(`--from=${s.name} `) && c.includes('node_modules')));
    expect(deps?.instructions.some((i) => i.keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    const build = stages.find((s) => copies.some((c) => c.startsWith(`--from=${s.name} `) && c.includes('dist')));
    expect(build?.instructions.some((i) => i.keyword === 'RUN' && i.args.includes('tsc -p tsconfig.build.json'))).toBe(true);
    expect(runtime.instructions.some((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.args))).toBe(false);
  });

  it('runs as a numeric non-root user, with files it cannot change, in exec form', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER');
    expect(users.at(-1)?.args).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    for (const copy of runtime.instructions.filter((i) => i.keyword === 'COPY')) expect(copy.args).toContain('--chown=0:0');
    const entrypoint = runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT');
    // With the operator's Node flags, the ones every test and the benchmark run it with.
    expect(JSON.parse(entrypoint?.args ?? 'null')).toEqual(['node', ...OPERATOR_NODE_FLAGS, '/app/dist/main.js']);
    expect(runtime.instructions.some((i) => i.keyword === 'ADD')).toBe(false);
    expect(runtime.instructions.find((i) => i.keyword === 'EXPOSE')?.args).toBe('8080');
  });

  it('takes the schema engine from where `npm run image` stages it', () => {
    expect(relative(ROOT, STAGED_ENGINE)).toBe(join('.cairn', 'image', 'validator.wasm'));
  });

  it('copies only what .dockerignore lets into the build context', () => {
    const allowed = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1)));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(allowed, source).toContain(source);
  });
});

describe('what the compiled operator needs at run time', () => {
  const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const imports = files.flatMap((file) => {
    const text = readFileSync(join(ROOT, 'src', file), 'utf8');
    return [...text.matchAll(/^\s*(?:import|export)\s(?!type\b)[^'"`;]*?from\s+'([^']+)'/gm), ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => ({ file, specifier: m[1] as string }));
  });

  it('is only packages listed in dependencies (the image installs no devDependencies)', () => {
    const packages = imports.map((i) => i.specifier).filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s));
    const names = [...new Set(packages.map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string))))];
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(Object.keys(PACKAGE.dependencies), name).toContain(name);
  });

  it('stays inside src/, which is all the image compiles', () => {
    for (const { file, specifier } of imports.filter((i) => i.specifier.startsWith('.'))) {
      const depth = file.split('/').length - 1;
      const ups = specifier.split('/').filter((part) => part === '..').length;
      expect(ups, `${file} imports ${specifier}`).toBeLessThanOrEqual(depth);
    }
  });
});

describe('the stand-in for the base image (tools/image)', () => {
  it('has a recipe for the Node the Dockerfile pins, so a Node bump cannot silently reuse an old stand-in', () => {
    const recipe = standInRecipe({});
    expect(recipe.node).toBe(nodeVersion);
    expect(baseImageName()).toBe(`docker.io/library/${stages[0]?.from.replace('${NODE_VERSION}', nodeVersion ?? '')}`);
  });

  it('is keyed by everything it is assembled from', () => {
    const recipe = standInRecipe({});
    expect(recipeDigest(standInRecipe({ CAIRN_DEBIAN_MIRROR: 'http://mirror.example/debian' }))).not.toBe(recipeDigest(recipe));
    expect(recipeDigest({ ...recipe, npm: '0.0.0' })).not.toBe(recipeDigest(recipe));
    expect(recipeDigest({ ...recipe })).toBe(recipeDigest(recipe));
  });
});
