/**
 * Reading a ConfigBundle with `cairn/client`: every member of one generation, read at one revision
 * (never one member old and another new), each checked as `get` checks an entry.
 *
 *   npm run dev                                   # in one shell: the control plane, operator, samples
 *   source .cairn/dev/env                         # in another: ETCDCTL_ENDPOINTS points at the store
 *   node examples/read-bundle.ts                  # the sample bundle cairn-demo/checkout
 *   node examples/read-bundle.ts NAMESPACE NAME
 *
 * Settings: ETCDCTL_ENDPOINTS (comma-separated), CAIRN_PREFIX (the operator's --prefix, default /cairn).
 */
import { createClient, NotFoundError, ReadError } from 'cairn/client';

const [namespace = 'cairn-demo', name = 'checkout'] = process.argv.slice(2);
const endpoints = (process.env.ETCDCTL_ENDPOINTS ?? 'http://127.0.0.1:2379').split(',');
const client = createClient({ endpoints, prefix: process.env.CAIRN_PREFIX ?? '/cairn' });

try {
  const bundle = await client.getBundle(namespace, name);
  console.log(`${namespace}/${name}: generation ${bundle.generation}, revision ${bundle.revision}, read at ${bundle.readAt}`);
  for (const member of bundle.members) console.log(`  ${member.key} (${member.schema}) ${JSON.stringify(member.value)}`);
} catch (error) {
  if (error instanceof NotFoundError) console.error(`no bundle committed as ${namespace}/${name}`);
  else if (error instanceof ReadError) console.error(`${error.code}: ${error.message}`);
  else throw error;
  process.exitCode = 1;
} finally {
  await client.close();
}
