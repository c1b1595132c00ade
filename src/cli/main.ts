#!/usr/bin/env node
/** The `cairn` executable (package.json `bin`): runs the program and exits with its code. */
import { enableStartupCompileCache } from '../compile-cache.ts';

enableStartupCompileCache();
const { runCli } = await import('./program.ts');
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
// Let stdout drain (a pipe to `jq` may still be reading) before the process ends.
process.exitCode = code;
