/**
 * The harness's own calls to etcd and the apiserver right after a fault: the etcd3 client's circuit
 * breaker may still be open for a member that was down, so the call is tried again for a while.
 */
export async function retrying<T>(what: string, call: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing after ${timeoutMs} ms`, { cause: error });
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
