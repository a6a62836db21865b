import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwkThumbprint } from '../../lib/jwk-thumbprint.js';
import { dpopClient } from '../helpers/dpop.js';

describe('jwkThumbprint', () => {
  it("gives RFC 7638 §3.1's example thumbprint", () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('agrees with jose and with the dpop client for EC, OKP and RSA keys', async () => {
    for (const pair of [generateKeyPairSync('ec', { namedCurve: 'P-256' }), generateKeyPairSync('ed25519'), generateKeyPairSync('rsa', { modulusLength: 2048 })]) {
      const jwk = { ...pair.publicKey.export({ format: 'jwk' }), use: 'sig', alg: 'x' } as Record<string, string>;
      expect(jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    }
    for (const alg of ['ES256', 'Ed25519', 'RS256'] as const) {
      const client = await dpopClient(alg);
      const jwk = (await crypto.subtle.exportKey('jwk', client.keyPair.publicKey)) as Record<string, unknown>;
      expect(jwkThumbprint(jwk)).toBe(client.jkt);
    }
  });

  it('has no thumbprint for an unknown kty, a missing member or a member of the wrong type', () => {
    expect(jwkThumbprint({ kty: 'oct', k: 'abc' })).toBeUndefined();
    expect(jwkThumbprint({ kty: 'toString' })).toBeUndefined();
    expect(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'a' })).toBeUndefined();
    expect(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: 1 })).toBeUndefined();
  });
});
