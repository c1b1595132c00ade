/**
 * Reading configuration with `cairn/client`: one typed, checked read, then (with --watch) every
 * change of the namespace as it is committed.
 *
 *   npm run dev                                   # in one shell: the control plane, operator, samples
 *   source .cairn/dev/env                         # in another: ETCDCTL_ENDPOINTS points at the store
 *   node --conditions=cairn-source examples/read-config.ts      # cairn-demo/checkout/db, typed as database@v1
 *   node --conditions=cairn-source examples/read-config.ts cairn-demo checkout/db --watch
 *
 * `--conditions=cairn-source` resolves `cairn/client` to this repository's src/ (package.json exports);
 * an application that installed the package runs with plain `node` and gets the compiled dist/.
 *
 * Settings: ETCDCTL_ENDPOINTS (comma-separated), CAIRN_PREFIX (the operator's --prefix, default /cairn).
 */
import { createClient, database, NotFoundError, ReadError } from 'cairn/client';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [namespace = 'cairn-demo', key = 'checkout/db'] = args;
const endpoints = (process.env.ETCDCTL_ENDPOINTS ?? 'http://127.0.0.1:2379').split(',');
const client = createClient({ endpoints, prefix: process.env.CAIRN_PREFIX ?? '/cairn' });

try {
  // Typed: `value` is a Database (database@v1 with its defaults); a value of another schema, or one
  // changed behind Cairn's back, is an error rather than a wrong value.
  const { value, revision, generation, dataHash } = await client.get(namespace, key, { schema: database });
  console.log(`${namespace}/${key} at revision ${revision} (generation ${generation}, ${dataHash}):`);
  console.log(`  ${value.user}@${value.host}:${value.port}/${value.database} sslmode=${value.sslMode} pool ${value.pool.min}..${value.pool.max}`);

  if (process.argv.includes('--watch')) {
    // Every change from the next revision on, in order; a snapshot when history was compacted.
    const watch = client.watch(namespace, { afterRevision: revision });
    process.once('SIGINT', () => void watch.close());
    for await (const change of watch) {
      if (change.type === 'put') console.log(`${change.revision} put ${change.entry.key} (${change.entry.schema})`);
      else if (change.type === 'delete') console.log(`${change.revision} delete ${change.key}`);
      else if (change.type === 'rejected') console.log(`${change.revision} rejected ${change.key}: ${change.error.message}`);
      else console.log(`${change.revision} snapshot (${change.reason}): ${change.snapshot.entries.length} entries`);
    }
  }
} catch (error) {
  if (error instanceof NotFoundError) console.error(`nothing committed at ${namespace}/${key}`);
  else if (error instanceof ReadError) console.error(`${error.code}: ${error.message}`);
  else throw error;
  process.exitCode = 1;
} finally {
  await client.close();
}
