/**
 * The request URI a DPoP proof's `htu` must name (RFC 9449 §4.3, design §8): read from the event, and
 * compared after RFC 3986 §6.2.2–6.2.3 normalization, query and fragment ignored on both sides.
 */
import type { EventKind } from './extract-request.js';

/** The request URI as API Gateway reports it. */
export interface RequestTarget {
  /** `https://` + `requestContext.domainName`, normalized; undefined when the event names no domain. */
  readonly origin: string | undefined;
  /** The path the client used (stage or base path included), in the form `encoding` says. */
  readonly path: string;
  /**
   * `raw`: percent-encoded as sent (REST `requestContext.path`); `decoded`: API Gateway decoded it
   * (HTTP API `rawPath`), so `%2F` and `/` can no longer be told apart there.
   */
  readonly encoding: 'raw' | 'decoded';
}

/** A proof's `htu`, normalized. */
export interface NormalizedUri {
  readonly origin: string;
  /** Percent-encoded path, RFC 3986 normalized. */
  readonly path: string;
}

// RFC 3986 §2: the only characters a URI may contain; a `%` must start an escape of two hex digits.
const URI_CHARS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const PATH_CHARS = /^(?:[A-Za-z0-9\-._~:/@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const ESCAPE = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Upper-case hex in escapes, unreserved characters decoded (RFC 3986 §6.2.2.1–6.2.2.2). */
function normalizeEscapes(path: string): string {
  return path.replace(ESCAPE, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/**
 * Dot segments removed and escapes normalized. The WHATWG parser removes `.`/`..` segments (also when
 * written `%2E`) and turns an empty path into `/`; the characters were checked first, so it re-encodes
 * nothing. The dummy origin keeps a path starting with `//` from being read as an authority.
 */
function normalizePath(path: string): string {
  return normalizeEscapes(new URL(`https://h${path.startsWith('/') || path === '' ? path : `/${path}`}`).pathname);
}

/**
 * Normalizes an absolute `https` URI for comparison, or undefined when it is not one (characters outside
 * RFC 3986, credentials, another scheme, no host).
 */
export function normalizeHtu(htu: string): NormalizedUri | undefined {
  if (!URI_CHARS.test(htu) || !/^https:\/\/[^/?#]/i.test(htu)) return undefined;
  let url: URL;
  try {
    url = new URL(htu);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.hostname === '') return undefined;
  return { origin: url.origin, path: normalizeEscapes(url.pathname) };
}

/** The origin `https://<domain>` in normalized form, or undefined when `domain` is not a bare host. */
function originOf(domain: unknown): string | undefined {
  if (typeof domain !== 'string' || !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(domain)) return undefined;
  try {
    return new URL(`https://${domain}`).origin;
  } catch {
    return undefined;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The request URI of an event, or undefined when the event does not say it. REST `REQUEST`:
 * `requestContext.path` is the path as the client sent it (the stage on the execute-api endpoint, the
 * base path on a custom domain). HTTP API: `rawPath`, which API Gateway hands over decoded (and which
 * must agree with `requestContext.http.path`). WebSocket `$connect`: `/<stage>`.
 */
export function requestTarget(event: unknown, kind: EventKind, stage: string): RequestTarget | undefined {
  if (!isObj(event)) return undefined;
  const ctx = isObj(event['requestContext']) ? event['requestContext'] : {};
  const origin = originOf(ctx['domainName']);
  if (kind === 'rest-request') {
    const path = ctx['path'];
    return typeof path === 'string' && path.startsWith('/') ? { origin, path, encoding: 'raw' } : undefined;
  }
  if (kind === 'http-api') {
    const path = event['rawPath'];
    const http = isObj(ctx['http']) ? ctx['http'] : {};
    if (typeof path !== 'string' || !path.startsWith('/') || (http['path'] !== undefined && http['path'] !== path)) return undefined;
    return { origin, path, encoding: 'decoded' };
  }
  if (kind === 'websocket') return { origin, path: `/${stage}`, encoding: 'raw' };
  return undefined;
}

/** The decoded segments of a normalized path joined by `/`, or undefined when a segment holds `%2F`. */
function decodedPath(path: string): string | undefined {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    // After decoding, `a%2Fb` and `a/b` would be one string: refuse rather than guess.
    if (decoded.includes('/')) return undefined;
    segments.push(decoded);
  }
  return segments.join('/');
}

/** The event's decoded path, or undefined when it holds a dot segment (it cannot be normalized safely). */
function eventDecodedPath(path: string): string | undefined {
  return path.split('/').some((s) => s === '.' || s === '..') ? undefined : path;
}

/**
 * Whether `htu` names the request: its origin is one of `origins` when set, else the event's domain; its
 * path equals the request's, both normalized, query and fragment ignored.
 */
export function htuMatches(htu: string, target: RequestTarget, origins: ReadonlySet<string> | undefined): boolean {
  const uri = normalizeHtu(htu);
  if (!uri) return false;
  if (origins ? !origins.has(uri.origin) : uri.origin !== target.origin) return false;
  if (target.encoding === 'raw') return PATH_CHARS.test(target.path) && normalizePath(target.path) === uri.path;
  const ours = decodedPath(uri.path);
  return ours !== undefined && ours === eventDecodedPath(target.path);
}
