/** The local stack's transaction shim (local-only) in front of the suite's dynalite, for tests. */
import type { Server } from 'node:http';
import { startTransactionShim } from '../../local/transaction-shim.js';

export async function startShim(dynaliteEndpoint: string): Promise<{ url: string; close(): Promise<void> }> {
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        if (!address || typeof address === 'string') reject(new Error('shim did not bind'));
        else resolve(address.port);
      });
    });
  const shim = await startTransactionShim(dynaliteEndpoint, '127.0.0.1', 0, listen);
  return {
    url: shim.url,
    close: () =>
      new Promise<void>((resolve) => {
        shim.server.closeAllConnections();
        shim.server.close(() => resolve());
      }),
  };
}
