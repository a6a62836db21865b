/**
 * A loopback HTTP relay in front of a real DynamoDB-compatible server: it counts every request that
 * reaches the wire (by operation) and can misbehave after forwarding, as DynamoDB sometimes does: answer
 * late (after the write was applied) or answer 500 to a write it applied.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

/** What the relay does with one request, chosen by its index (0-based) and operation. */
export type RelayBehaviour = { readonly kind: 'forward' } | { readonly kind: 'answer-late'; readonly ms: number } | { readonly kind: 'fail-after-forward' };

export interface Relay {
  readonly url: string;
  /** Operation names (`PutItem`, `TransactWriteItems`, ...) of every request received, in order. */
  readonly operations: string[];
  /** Sets how later requests are handled; default: forward. */
  behave(choose: (index: number, operation: string) => RelayBehaviour): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, 'content-length': String(body.length) } },
      (res) => {
        void readBody(res).then((answer) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string' && k !== 'content-length' && k !== 'connection') headers[k] = v;
          resolve({ status: res.statusCode ?? 502, headers, body: answer });
        }, reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

/** Starts a relay on 127.0.0.1 in front of `targetEndpoint`. */
export async function startRelay(targetEndpoint: string): Promise<Relay> {
  const target = new URL(targetEndpoint);
  const operations: string[] = [];
  let choose: (index: number, operation: string) => RelayBehaviour = () => ({ kind: 'forward' });
  const timers = new Set<NodeJS.Timeout>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    const index = operations.push(operation) - 1;
    const behaviour = choose(index, operation);
    const answer = await forward(target, req, body);
    const send = (): void => {
      if (res.destroyed) return;
      res.writeHead(answer.status, answer.headers).end(answer.body);
    };
    if (behaviour.kind === 'forward') return send();
    if (behaviour.kind === 'answer-late') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, behaviour.ms);
      timers.add(timer);
      return;
    }
    res
      .writeHead(500, { 'content-type': 'application/x-amz-json-1.0' })
      .end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' }));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('relay did not bind');
  return {
    url: `http://127.0.0.1:${address.port}`,
    operations,
    behave: (fn) => {
      choose = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
