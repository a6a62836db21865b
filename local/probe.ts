/**
 * Whether something answers on a URL's host and port: a TCP connect, nothing sent. Used to tell a user
 * that the local issuer is not running or that `--upstream` is unreachable, instead of a vague failure.
 */
import { connect } from 'node:net';

/** Resolves `true` when a TCP connection to the URL's host and port opens within `timeoutMs`. */
export function reachable(url: string | URL, timeoutMs = 1_000): Promise<boolean> {
  const u = typeof url === 'string' ? new URL(url) : url;
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((res) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      res(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether a URL points at this machine (only those are probed: a real issuer is reached by the handler itself). */
export function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
  } catch {
    return false;
  }
}
