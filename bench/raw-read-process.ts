// A LIST and a prefix range with the fastest clients, then exit: the floor of re-reading everything.
import { Etcd3 } from 'etcd3';
import { RawKube } from './raw-kube.ts';

const [kubeconfig, endpoints, listPath, prefix] = process.argv.slice(2) as [string, string, string, string];
const kube = new RawKube(kubeconfig, 1);
// No 4 MiB cap on a response: a prefix range of 10,000 entries is larger (the operator lifts it too).
const etcd = new Etcd3({ hosts: endpoints.split(','), grpcOptions: { 'grpc.max_receive_message_length': -1 } });
await Promise.all([kube.send('GET', listPath), etcd.getAll().prefix(prefix).strings()]);
etcd.close();
await kube.close();
