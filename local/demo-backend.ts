/**
 * The built-in upstream: answers every request with JSON echoing what reached it — method, path, query,
 * the authorizer context from `x-authorizer-context`, the headers (Authorization and DPoP redacted) and the body.
 */
import { createServer } from 'node:http';
import { closeServer, listen, type Running } from './listen.js';
import { HOST } from './settings.js';

const MAX_ECHO_BYTES = 64 * 1024;

export async function startDemoBackend(port = 0): Promise<Running> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_ECHO_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', `http://${HOST}`);
      const headers = { ...req.headers };
      if (headers.authorization) headers.authorization = `${headers.authorization.split(' ')[0]} …(redacted)`;
      if (headers['dpop']) headers['dpop'] = '…(redacted)';
      let authorizer: unknown = null;
      try {
        authorizer = JSON.parse(String(req.headers['x-authorizer-context'] ?? 'null'));
      } catch {
        authorizer = req.headers['x-authorizer-context'];
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const text = JSON.stringify(
        {
          message: 'Hello from the demo backend: the authorizer allowed this request.',
          method: req.method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          authorizer,
          headers,
          body: size > MAX_ECHO_BYTES ? `(${size} bytes, not echoed)` : body,
        },
        null,
        2,
      );
      res.writeHead(200, { 'content-type': 'application/json' }).end(`${text}\n`);
    });
  });
  const real = await listen(server, port, 'demo backend');
  return { url: `http://${HOST}:${real}`, port: real, close: () => closeServer(server) };
}
