#!/usr/bin/env node
// The `cairn` executable (package.json `bin`), plain JavaScript so that any Node 24 runs it.
// An installed package has the compiled command only (dist/cli/main.js: Node does not strip types under
// node_modules). A checkout of the repository has src/ (the package's `files` leave it out) and runs
// it on Node 24's type stripping, so `npx cairn` there never runs a stale or missing build.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
await import(existsSync(source) ? source.href : new URL('../dist/cli/main.js', import.meta.url).href);
