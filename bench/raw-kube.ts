/**
 * The fastest Kubernetes client Node offers for the floor measurements: undici's `request` over one
 * keep-alive connection pool with the admin client certificate, no generated code, no serializer.
 * The benchmark measures the parts' cost, not a client library's.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { parse } from 'yaml';

interface KubeconfigFile {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

export interface WatchEvent {
  readonly type: string;
  readonly object: { metadata: { name: string; resourceVersion: string; generation?: number }; status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] } };
  /** performance.now() when the line arrived. */
  readonly at: number;
}

export class RawKube {
  readonly server: string;
  private readonly agent: Agent;

  constructor(kubeconfigPath: string, connections = 16) {
    const file = parse(readFileSync(kubeconfigPath, 'utf8')) as KubeconfigFile;
    const cluster = file.clusters[0]?.cluster;
    const user = file.users[0]?.user;
    if (!cluster || !user) throw new Error(`${kubeconfigPath}: no cluster or user`);
    const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
    this.server = cluster.server;
    this.agent = new Agent({
      connections,
      keepAliveTimeout: 60_000,
      connect: { ca: b64(cluster['certificate-authority-data']), cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']) },
    });
  }

  async send(method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const text = await this.sendText(method, path, body, contentType);
    return text === '' ? undefined : JSON.parse(text);
  }

  /** As `send`, the response body as text (e.g. the apiserver's /metrics). */
  async sendText(method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', path: string, body?: unknown, contentType = 'application/json'): Promise<string> {
    const response = await request(`${this.server}${path}`, {
      method,
      dispatcher: this.agent,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
    return text;
  }

  /** GET `path`'s body as bytes (e.g. a CPU profile from /debug/pprof). */
  async getBytes(path: string): Promise<Buffer> {
    const response = await request(`${this.server}${path}`, { method: 'GET', dispatcher: this.agent });
    const bytes = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode >= 300) throw new Error(`GET ${path}: HTTP ${response.statusCode}: ${bytes.toString('utf8').slice(0, 300)}`);
    return bytes;
  }

  /**
   * Streams watch events of `path` to `onEvent` until the returned abort function is called or the
   * server ends the stream (then `onEnd`: the apiserver closes watches it considers slow).
   */
  async watch(path: string, resourceVersion: string, onEvent: (event: WatchEvent) => void, onEnd: () => void = () => {}): Promise<() => void> {
    const controller = new AbortController();
    const separator = path.includes('?') ? '&' : '?';
    const response = await request(`${this.server}${path}${separator}watch=1&resourceVersion=${resourceVersion}&allowWatchBookmarks=false`, {
      method: 'GET',
      dispatcher: this.agent,
      signal: controller.signal,
    });
    if (response.statusCode !== 200) throw new Error(`watch ${path}: HTTP ${response.statusCode}`);
    let buffered = '';
    response.body.on('data', (chunk: Buffer) => {
      const at = performance.now();
      buffered += chunk.toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim() !== '') {
          const parsed = JSON.parse(line) as { type: string; object: WatchEvent['object'] };
          onEvent({ type: parsed.type, object: parsed.object, at });
        }
        newline = buffered.indexOf('\n');
      }
    });
    let aborted = false;
    response.body.on('error', () => {});
    response.body.on('close', () => aborted || onEnd());
    return () => {
      aborted = true;
      controller.abort();
    };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
