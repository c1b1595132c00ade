/**
 * The Node/V8 flags the operator process runs with. The image's ENTRYPOINT passes exactly these
 * (`node <flags> /app/dist/main.js`; test/unit/deploy/image.test.ts checks it), and every operator
 * the tests, `npm run dev` and the benchmark start gets them too (tools/controlplane/operator-process.ts),
 * so the benchmark measures what users run.
 *
 * `--max-semi-space-size=8` (MiB): left to itself V8 grew the two semi-spaces to 2 x 64 MiB under the
 * bulk load (24 GiB machine; a smaller --max-old-space-size does not shrink them) and kept them
 * committed, while the operator's live heap is about 55 MiB. Measured
 * (bench/restart-cost.ts, 2,000 entries, load average 21-25, medians of 2): resident memory after
 * bulk 333 -> 211 MiB, heap committed 197 -> 87 MiB, after a restart over the entries 250 -> 186 MiB;
 * 2 MiB saved no more and promoted enough to grow the old space to 91 MiB in one run (README,
 * benchmark). Scavenges run more often on a smaller young generation: CPU per reconcile is reported
 * by npm run bench.
 *
 * Not taken: `--heap-growing-percent=10` (resident after bulk 194 -> 144 MiB in a loaded run, but in a
 * quieter one, load average 5-7: no clear gain, 151-207 -> 149-160 MiB, for CPU per reconcile +8 % and
 * bulk entries/s 125-140 -> 96-103) and `--optimize-for-size` (205 -> 127 MiB, CPU +37 %).
 */
export const OPERATOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
