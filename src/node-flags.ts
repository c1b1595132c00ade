/**
 * The Node/V8 flags the operator process runs with. The image's ENTRYPOINT passes exactly these
 * (`node <flags> /app/dist/main.js`; test/unit/deploy/image.test.ts checks it), and every operator
 * the tests, `npm run dev` and the benchmark start gets them too (tools/controlplane/operator-process.ts),
 * so the benchmark measures what users run.
 *
 * `--max-semi-space-size=8` (MiB): V8 sizes its young generation from the heap limit, which it derives
 * from the machine's memory; on a 24 GiB machine the two semi-spaces grow to 2 x 64 MiB under the
 * bulk load and stay committed, while the operator's live heap is about 55 MiB. Measured
 * (bench/restart-cost.ts, 2,000 entries, load average 21-25, medians of 2): resident memory after
 * bulk 333 -> 211 MiB, heap committed 197 -> 87 MiB, after a restart over the entries 250 -> 186 MiB;
 * 2 MiB saved no more and promoted enough to grow the old space to 91 MiB in one run (README,
 * benchmark). Scavenges run more often on a smaller young generation: CPU per reconcile is reported
 * by npm run bench.
 *
 * `--heap-growing-percent=10`: the old space may grow to 1.1 times what the last full GC left before
 * the next one, instead of V8's own factor (up to 4x on a large machine), so a bulk load's garbage does
 * not pile up before it is collected. Measured (restart-cost.ts, 1,500 entries, both with the
 * semi-space flag, load average 14-22, medians of 2): resident after bulk 194 -> 144 MiB, CPU per
 * 1,000 reconciles 2.9-3.1 -> 3.0-3.5 s (within that load's noise; --optimize-for-size, which also
 * reached the memory target, cost +37 %). A V8 flag, not Node's: the image pins Node's version.
 */
export const OPERATOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=10'];
