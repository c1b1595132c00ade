/**
 * `npx node bench/profile-summary.ts FILE.cpuprofile... [--top N] [--bucket MS]`: where a V8 CPU
 * profile's busy time went (the profiles `--profile` of restart-cost.ts or hotpath-cost.ts writes):
 * self time by part (a package under node_modules, Node's own modules, Cairn's files, GC), the
 * functions with the most self time, and a timeline (busy time per bucket from the process's start,
 * with the part that took most of it), so the phases of a start-up can be told apart. Several files
 * are summed (the timeline is the first file's). Idle and `(program)` samples are not busy time.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { round } from './stats.ts';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const options = new Command('profile-summary')
  .argument('<files...>')
  .option('--top <n>', 'functions listed', (v) => Number(v), 25)
  .option('--bucket <ms>', 'timeline bucket', (v) => Number(v), 50)
  .option('--from <ms>', 'only samples from this time (ms from the profile start)', (v) => Number(v), 0)
  .option('--to <ms>', 'only samples before this time', (v) => Number(v), Number.POSITIVE_INFINITY)
  .option('--callers <part>', "who calls into PART (a part as printed): self time by the nearest caller frame outside it, and by Cairn's nearest frame")
  .parse();
const { top, bucket, callers, from, to } = options.opts<{ top: number; bucket: number; callers?: string; from: number; to: number }>();
const files = options.args;

/** The part a frame belongs to: a package, Node's internals, GC, or a Cairn file. */
function partOf(frame: ProfileNode['callFrame']): string | undefined {
  const { url, functionName } = frame;
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(root)') return undefined;
  if (functionName === '(garbage collector)') return 'GC';
  if (url === '') return `native ${functionName || '(anonymous)'}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:')) return url.split('/')[0] as string;
  const own = /\/(src|dist|bench-dist)\/(.*)$/.exec(url);
  return own ? `cairn ${own[2]}` : url;
}

const byPart = new Map<string, number>();
const byFunction = new Map<string, number>();
const byCaller = new Map<string, number>();
const byOwnCaller = new Map<string, number>();
let busy = 0;
const add = (map: Map<string, number>, key: string, ms: number): void => void map.set(key, (map.get(key) ?? 0) + ms);
let timeline: Map<number, Map<string, number>> | undefined;

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const describe = (f: ProfileNode['callFrame']): string => `${f.functionName || '(anonymous)'} ${partOf(f) ?? ''}:${f.lineNumber + 1}`;
  const line = new Map<number, Map<string, number>>();
  let t = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000; // a sample's time is the delta to the next one
    t += (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = nodes.get(id)?.callFrame;
    const part = frame === undefined ? undefined : partOf(frame);
    if (frame === undefined || part === undefined || t < from || t >= to) return;
    busy += ms;
    if (callers !== undefined && part === callers) {
      let up = parent.get(id);
      let outside: string | undefined;
      while (up !== undefined) {
        const f = nodes.get(up)?.callFrame;
        const p = f === undefined ? undefined : partOf(f);
        if (f !== undefined && p !== undefined && p !== callers) {
          outside ??= describe(f);
          if (p.startsWith('cairn ')) {
            add(byOwnCaller, describe(f), ms);
            break;
          }
        }
        up = parent.get(up);
      }
      add(byCaller, outside ?? '(none)', ms);
    }
    add(byPart, part, ms);
    add(byFunction, `${frame.functionName || '(anonymous)'} ${part}:${frame.lineNumber + 1}`, ms);
    const b = Math.floor(t / bucket);
    const slot = line.get(b) ?? new Map<string, number>();
    add(slot, part.startsWith('cairn ') ? 'cairn' : part, ms);
    line.set(b, slot);
  });
  timeline ??= line;
}

const sorted = (map: Map<string, number>): [string, number][] => [...map.entries()].sort((a, b) => b[1] - a[1]);
console.log(`busy ${round(busy, 1)} ms in ${files.length} profile(s)\n\nself time by part:`);
for (const [part, ms] of sorted(byPart).slice(0, top)) console.log(`  ${round(ms, 1).toString().padStart(8)} ms ${round((ms / busy) * 100, 1).toString().padStart(5)} %  ${part}`);
console.log('\nself time by function:');
for (const [fn, ms] of sorted(byFunction).slice(0, top)) console.log(`  ${round(ms, 1).toString().padStart(8)} ms  ${fn}`);
if (callers !== undefined) {
  console.log(`\ncalls into ${callers}, by the nearest caller outside it:`);
  for (const [fn, ms] of sorted(byCaller).slice(0, top)) console.log(`  ${round(ms, 1).toString().padStart(8)} ms  ${fn}`);
  console.log(`by Cairn's nearest frame:`);
  for (const [fn, ms] of sorted(byOwnCaller).slice(0, top)) console.log(`  ${round(ms, 1).toString().padStart(8)} ms  ${fn}`);
}
console.log(`\ntimeline of ${files[0]} (busy ms per ${bucket} ms, the three largest parts):`);
for (const [b, slot] of [...(timeline ?? new Map<number, Map<string, number>>()).entries()].sort((x, y) => x[0] - y[0])) {
  const total = [...slot.values()].reduce((a, v) => a + v, 0);
  console.log(`  ${String(b * bucket).padStart(6)} ms  ${round(total, 1).toString().padStart(5)}  ${sorted(slot).slice(0, 3).map(([p, ms]) => `${p} ${round(ms, 1)}`).join(', ')}`);
}
