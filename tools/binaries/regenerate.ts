/**
 * Rewrites tools/go/kubernetes/go.mod from the pinned upstream go.mod and tidies it (go.sum too).
 * Needs the Go module proxy. Run after changing KUBERNETES_VERSION.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBERNETES_VERSION } from './components.ts';
import { renderWrapperGoMod, stagedModules, stagingVersion } from './kubernetes-gomod.ts';

const MODULE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'go', 'kubernetes');

interface Download {
  readonly GoMod?: string;
  readonly Error?: string;
}

function download(moduleAtVersion: string): Download {
  try {
    const out = execFileSync('go', ['mod', 'download', '-json', moduleAtVersion], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out) as Download;
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout;
    return stdout ? (JSON.parse(stdout) as Download) : { Error: String(error) };
  }
}

function requiredVersion(goMod: string, module: string): string | undefined {
  const match = new RegExp(`^\\s*(?:require\\s+)?${module.replace(/[.]/g, '\\.')}\\s+(v\\S+)`, 'm').exec(goMod);
  return match?.[1];
}

export function regenerateKubernetesWrapper(log: (line: string) => void): void {
  const upstream = download(`k8s.io/kubernetes@${KUBERNETES_VERSION}`);
  if (!upstream.GoMod) throw new Error(`cannot download k8s.io/kubernetes@${KUBERNETES_VERSION}: ${upstream.Error}`);
  const upstreamGoMod = readFileSync(upstream.GoMod, 'utf8');
  const staging = stagingVersion(KUBERNETES_VERSION);
  const api = download(`k8s.io/api@${staging}`);
  const apiGoMod = api.GoMod ? readFileSync(api.GoMod, 'utf8') : '';
  const unpublished = new Map<string, string>();
  for (const module of stagedModules(upstreamGoMod)) {
    if (download(`${module}@${staging}`).GoMod) continue;
    const fallback = requiredVersion(apiGoMod, module);
    // Not published and not needed by the API either: only reachable from packages we never build
    // (sample plugins), and Go never fetches a replacement outside the build graph.
    if (!fallback) continue;
    log(`${module} is not published at ${staging}; using ${fallback}, as k8s.io/api ${staging} requires`);
    unpublished.set(module, fallback);
  }
  const goMod = renderWrapperGoMod({ upstreamGoMod, version: KUBERNETES_VERSION, unpublished, modulePath: 'cairn.dev/tools/kubernetes' });
  writeFileSync(join(MODULE_DIR, 'go.mod'), goMod);
  execFileSync('go', ['mod', 'tidy'], { cwd: MODULE_DIR, stdio: 'inherit' });
  log(`wrote ${join(MODULE_DIR, 'go.mod')} (${stagedModules(upstreamGoMod).length} staged modules replaced)`);
}
