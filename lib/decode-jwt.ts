/**
 * Strict decoding of a compact JWS: canonical base64url, valid UTF-8, a JSON object, no duplicate keys.
 * Nothing here is trusted yet; the signature is checked by `verify-token.ts`.
 */
import { AuthError } from './errors.js';

/** A decoded, not yet verified JWS. */
export interface DecodedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The exact bytes that were signed: `base64url(header) "." base64url(payload)`. */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes base64url and refuses any non-canonical form (stray bits, padding), so one token has one encoding. */
function base64url(part: string, what: string): Buffer {
  const bytes = Buffer.from(part, 'base64url');
  if (bytes.toString('base64url') !== part) throw new AuthError('TOKEN_MALFORMED', `${what} is not canonical base64url`);
  return bytes;
}

/**
 * Counts the keys of the outermost JSON object as written. When it differs from the parsed object's key
 * count, a key was repeated and JSON.parse silently kept the last one (RFC 7519 §4 says reject).
 */
function countTopLevelKeys(json: string): number {
  let depth = 0;
  let keys = 0;
  let inString = false;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      if (depth === 1 && expectKey) {
        keys++;
        expectKey = false;
      }
      inString = true;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    } else if (c === 44 /* , */ && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

function parseObject(bytes: Buffer, what: string): Record<string, unknown> {
  let text: string;
  let value: unknown;
  try {
    text = utf8.decode(bytes);
    value = JSON.parse(text);
  } catch {
    throw new AuthError('TOKEN_MALFORMED', `${what} is not UTF-8 JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuthError('TOKEN_MALFORMED', `${what} is not a JSON object`);
  }
  if (countTopLevelKeys(text) !== Object.keys(value).length) {
    throw new AuthError('TOKEN_MALFORMED', `${what} has a duplicate member`);
  }
  return value as Record<string, unknown>;
}

/** Splits and decodes a compact JWS whose shape the extractor already checked. */
export function decodeJwt(token: string): DecodedJwt {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const headerPart = token.slice(0, first);
  const payloadPart = token.slice(first + 1, second);
  const header = parseObject(base64url(headerPart, 'header'), 'header');
  const payload = parseObject(base64url(payloadPart, 'payload'), 'payload');
  const signature = base64url(token.slice(second + 1), 'signature');
  return { header, payload, signingInput: Buffer.from(token.slice(0, second), 'latin1'), signature };
}
