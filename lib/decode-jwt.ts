/**
 * Strict decoding of a compact JWS: canonical base64url, valid UTF-8, a JSON object, no duplicate keys.
 * Nothing here is trusted yet; the signature is checked by `verify-token.ts`.
 */
import { isUtf8 } from 'node:buffer';
import { AuthError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SEXTET = new Uint8Array(128);
for (let i = 0; i < ALPHABET.length; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;

/**
 * Decodes base64url and refuses any non-canonical form, so one token has exactly one encoding: a length
 * of 4n+1 cannot occur, and the bits the last character carries beyond the data must be zero.
 */
function base64url(part: string, what: string): Buffer {
  const rest = part.length % 4;
  if (rest === 1 || (rest > 1 && (SEXTET[part.charCodeAt(part.length - 1)]! & (rest === 2 ? 0x0f : 0x03)) !== 0)) {
    throw new AuthError('TOKEN_MALFORMED', `${what} is not canonical base64url`);
  }
  return Buffer.from(part, 'base64url');
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
  // isUtf8 refuses overlong forms, surrogates and truncated sequences, as a fatal TextDecoder would.
  if (!isUtf8(bytes)) throw new AuthError('TOKEN_MALFORMED', `${what} is not UTF-8 JSON`);
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
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

/** The three segments of a compact JWS, as text. */
export interface JwsParts {
  readonly header: string;
  readonly payload: string;
  readonly signature: string;
  /** The exact text that was signed: `header "." payload`. */
  readonly signingInput: string;
}

/**
 * Splits a compact JWS. The character set was checked by `extractCredentials`; whatever else reaches this
 * point still needs exactly three non-empty parts.
 */
export function splitJws(token: string): JwsParts {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 1 || second < first + 2 || second === token.length - 1 || token.indexOf('.', second + 1) !== -1) {
    throw new AuthError('TOKEN_MALFORMED', 'token is not a compact JWS');
  }
  return { header: token.slice(0, first), payload: token.slice(first + 1, second), signature: token.slice(second + 1), signingInput: token.slice(0, second) };
}

/** Decodes the header or payload segment: canonical base64url of a UTF-8 JSON object without duplicate members. */
export function decodeJsonPart(part: string, what: 'header' | 'payload'): Record<string, unknown> {
  return parseObject(base64url(part, what), what);
}

/** Decodes the signature segment (canonical base64url). */
export function decodeSignature(part: string): Buffer {
  return base64url(part, 'signature');
}

/** The bytes a signature covers: the signing input's text, which is ASCII. */
export function signedBytes(parts: JwsParts): Buffer {
  return Buffer.from(parts.signingInput, 'latin1');
}
