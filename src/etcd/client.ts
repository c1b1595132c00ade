/**
 * The etcd3 client Cairn uses, configured so that no call can hang and no write is silently retried.
 *
 * Why each setting (etcd3 1.1.2 defaults are in node_modules/etcd3/lib/connection-pool.js):
 * - Deadlines: etcd3 sets none by default. `defaultCallOptions` is a function, so every unary call
 *   gets its own deadline computed when it is sent; streams (watch) get none.
 * - No blind retries: etcd3's default global policy retries every "recoverable" error (deadline
 *   exceeded, unavailable) up to 3 times, each with a fresh deadline (microsoft/etcd3#137: "3
 *   connection tries" for one call). That triples the time to fail, and re-sends a write whose first
 *   attempt may have applied. Here a call is retried only on another endpoint and only when it
 *   provably never left the client (no connection, or that endpoint's circuit is open).
 * - Dial timeout: etcd3 1.1.2 accepts `dialTimeout` but never reads it (no use in lib/*.js); a call
 *   waiting for a connection is bounded by its own deadline instead, and grpc-js's reconnect backoff
 *   (120 s by default) is capped so a restarted member is found again quickly.
 * - Keepalive pings find a silent peer (a paused or partitioned member) so a watch stream on it
 *   errors and reconnects instead of waiting forever. 10 s is above etcd's default enforcement
 *   minimum (--grpc-keepalive-min-time=5s), and pings are only sent while calls are open, because
 *   etcd does not permit pings without streams.
 * - grpc-js's default receive limit (4 MiB) stays: prefix reads are paginated (store.ts halves a page
 *   that would pass it) and the watch asks etcd to fragment large responses (watcher.ts). A response
 *   over the limit is etcd3-"recoverable" (RESOURCE_EXHAUSTED), but it says nothing about the
 *   endpoint's health, so it does not count towards the endpoint's circuit breaker.
 * - Require leader: a member cut off from quorum serves a watch that stays silent forever, and
 *   keepalive pings cannot tell (the member answers them). clientv3's WithRequireLeader sets the
 *   gRPC metadata `hasleader=true`; etcd then refuses such calls on a member without a leader and
 *   cancels its open streams (after about three election timeouts). etcd3 1.1.2 has no option for
 *   it, so `REQUIRE_LEADER` is a call option (a grpc-js interceptor) the watcher passes.
 */
import { InterceptingCall, type CallOptions, type Interceptor } from '@grpc/grpc-js';
import { ConsecutiveBreaker, circuitBreaker, handleWhen, isBrokenCircuitError, noop, retry } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';

export interface EtcdClientOptions {
  /** Client URLs, `http://host:port` or `https://host:port` (all of one scheme). */
  readonly endpoints: readonly string[];
  /**
   * PEM contents (not paths). With `tls`, the connection uses TLS whatever the URL scheme says.
   * Without `ca` the server is verified against the system roots, as etcdctl does without --cacert;
   * `cert` and `key` come together (config.ts refuses one without the other).
   */
  readonly tls?: { readonly ca?: string | Buffer | undefined; readonly cert?: string | Buffer | undefined; readonly key?: string | Buffer | undefined };
  readonly auth?: { readonly username: string; readonly password: string };
  /** Deadline of each unary call, from the moment it is sent. */
  readonly requestTimeoutMs: number;
}

/** How long an endpoint that failed 3 calls in a row is skipped before it is tried again. */
const CIRCUIT_HALF_OPEN_MS = 2_000;

function toBuffer(pem: string | Buffer | undefined): Buffer | undefined {
  return pem === undefined ? undefined : Buffer.isBuffer(pem) ? pem : Buffer.from(pem);
}

/** A call failed before any byte was sent: safe to try the next endpoint, even for a write. */
function neverSent(error: Error): boolean {
  return isBrokenCircuitError(error) || error.message.includes('No connection established');
}

/** A failure that says the endpoint is unwell (not merely that one response was too large for us). */
function endpointFailure(error: Error): boolean {
  return isRecoverableError(error) && !error.message.includes('larger than max');
}

/** Adds etcd's require-leader metadata (clientv3's WithRequireLeader) to the call. */
const requireLeader: Interceptor = (options, nextCall) =>
  new InterceptingCall(nextCall(options), {
    start: (metadata, listener, next) => {
      metadata.set('hasleader', 'true');
      next(metadata, listener);
    },
  });

/** Call options for a stream that must end when its member loses the leader (the drift watch). */
export const REQUIRE_LEADER: CallOptions = { interceptors: [requireLeader] };

function faultHandling(options: EtcdClientOptions): IOptions['faultHandling'] {
  const others = options.endpoints.length - 1;
  return {
    global: others > 0 ? retry(handleWhen(neverSent), { maxAttempts: others }) : noop,
    host: () =>
      circuitBreaker(handleWhen(endpointFailure), {
        halfOpenAfter: CIRCUIT_HALF_OPEN_MS,
        breaker: new ConsecutiveBreaker(3),
      }),
  };
}

/** Creates the client. It connects lazily, on the first call. Close it with `client.close()`. */
export function createEtcdClient(options: EtcdClientOptions): Etcd3 {
  if (options.endpoints.length === 0) throw new RangeError('etcd: at least one endpoint is required');
  const timeout = options.requestTimeoutMs;
  const tls = options.tls;
  return new Etcd3({
    hosts: [...options.endpoints],
    ...(tls
      ? // etcd3 types rootCertificate as required, but hands it to grpc-js's createSsl, where absent means the system roots.
        { credentials: { rootCertificate: toBuffer(tls.ca) as Buffer, privateKey: toBuffer(tls.key), certChain: toBuffer(tls.cert) } }
      : {}),
    ...(options.auth ? { auth: { username: options.auth.username, password: options.auth.password } } : {}),
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
    faultHandling: faultHandling(options),
    grpcOptions: {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 0,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': Math.max(1_000, Math.min(timeout, 5_000)),
    },
  });
}
