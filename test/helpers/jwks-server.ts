/** A real JWKS endpoint on loopback (node:http), with switches for the faults tests need. */
import { createServer, type Server } from 'node:http';

/** Controls and counters of a running JWKS server. */
export interface JwksServer {
  readonly url: string;
  readonly origin: string;
  /** Requests served so far. */
  requests: number;
  /** The JSON served; replace to rotate keys. */
  body: unknown;
  /** HTTP status to answer with. @default 200 */
  status: number;
  /** Delay before answering, in ms. */
  delayMs: number;
  /** Raw text to serve instead of `body`, with its content type. */
  raw: { text: string; type: string } | undefined;
  /** Answer with a redirect to this location instead. */
  redirectTo: string | undefined;
  close(): Promise<void>;
}

/** Starts a JWKS server serving `{ keys }` at `/.well-known/jwks.json`. */
export async function startJwksServer(keys: readonly Record<string, unknown>[]): Promise<JwksServer> {
  const state = {
    requests: 0,
    body: { keys } as unknown,
    status: 200,
    delayMs: 0,
    raw: undefined as { text: string; type: string } | undefined,
    redirectTo: undefined as string | undefined,
  };
  const server: Server = createServer((_req, res) => {
    state.requests++;
    const answer = () => {
      if (state.redirectTo) {
        res.writeHead(302, { location: state.redirectTo }).end();
        return;
      }
      if (state.raw) {
        res.writeHead(state.status, { 'content-type': state.raw.type }).end(state.raw.text);
        return;
      }
      res.writeHead(state.status, { 'content-type': 'application/json' }).end(JSON.stringify(state.body));
    };
    if (state.delayMs > 0) setTimeout(answer, state.delayMs).unref();
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('JWKS server did not bind');
  const origin = `http://127.0.0.1:${address.port}`;
  return Object.assign(state, {
    url: `${origin}/.well-known/jwks.json`,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
