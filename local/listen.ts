/** Binds a server to 127.0.0.1 and turns bind failures into one clear message. */
import type { Server } from 'node:http';
import { LocalError, codeOf } from './errors.js';
import { HOST } from './settings.js';

/** What a listening piece hands back. */
export interface Running {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on `port` (0 = a free one) and resolves the real port.
 * @param what names the piece and its option in the error, e.g. `gateway (--port)`
 */
export async function listen(server: Server, port: number, what: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: unknown) => {
      const code = codeOf(err);
      if (code === 'EADDRINUSE') reject(new LocalError(`port ${port} for the ${what} is already in use on ${HOST}; stop what uses it or choose another port (0 picks a free one)`));
      else if (code === 'EACCES') reject(new LocalError(`not allowed to listen on port ${port} for the ${what}; choose a port above 1023 (0 picks a free one)`));
      else reject(new LocalError(`cannot listen on ${HOST}:${port} for the ${what} (${code ?? (err as Error).message})`));
    };
    server.once('error', onError);
    server.listen(port, HOST, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new LocalError(`the ${what} did not bind to a TCP port`);
  return address.port;
}

/** Closes a server, dropping idle keep-alive connections, and waits for it. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
