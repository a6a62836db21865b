/**
 * Threat: forging a signature by steering algorithm choice (RFC 8725 §2.1, §3.1–3.2, §3.11).
 * Attacker: holds the issuer's *public* keys and any key of their own; controls every byte of the token.
 * Defences: the alg allow-list compared exactly (verify-token.ts checkHeader), asymmetric algorithms only,
 * key type/curve/size bound to the alg (keyFits + jose's JWK filter on kty/crv/alg/use), exact ECDSA
 * signature length, `crit` and `b64` refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.js';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { ConfigError } from '../../lib/errors.js';
import { claims, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { generateKey, signInput, type TestKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { b64u, expectDecision, forge, forgeHmac, publicKeyForms, signingInput } from './support.js';

const rsa = generateKey('RS256', 'rsa-1');
const ec = generateKey('ES256', 'ec-1');
const ed = generateKey('EdDSA', 'ed-1');
const rsaNoAlg = generateKey('RS256', 'rsa-noalg');
const ecNoAlg = generateKey('ES256', 'ec-noalg');
const shared = generateKey('RS256', 'rsa-shared');
const weak = generateKey('RS256', 'rsa-1024', 1024);
const withoutAlg = (k: TestKey) => Object.fromEntries(Object.entries(k.publicJwk).filter(([name]) => name !== 'alg'));

let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer([
    rsa.publicJwk,
    ec.publicJwk,
    ed.publicJwk,
    withoutAlg(rsaNoAlg),
    withoutAlg(ecNoAlg),
    // One key pair published three times: as it should be, with a disagreeing `alg`, and for encryption.
    shared.publicJwk,
    { ...shared.publicJwk, kid: 'rsa-rs512', alg: 'RS512' },
    { ...shared.publicJwk, kid: 'rsa-enc', use: 'enc' },
    weak.publicJwk,
    { ...withoutAlg(weak), kid: 'rsa-1024-noalg' },
  ]);
});
afterAll(async () => jwks.close());

const auth = () => testAuthorizer({ env: testEnv(jwks.url, { JWT_ALGORITHMS: 'RS256,ES256,ES384,EdDSA,PS256' }), replayStore: new MemoryReplayStore() });
const bearer = (token: string) => restTokenEvent(`Bearer ${token}`);
const header = (key: TestKey, extra: Record<string, unknown> = {}) => ({ alg: key.alg, kid: key.kid, typ: 'JWT', ...extra });

describe('controls: correctly signed tokens are allowed (so every refusal below is the defence, not the fixture)', () => {
  it.each([rsa, ec, ed])('$alg with kid $kid', async (key) => {
    await expectDecision(auth(), bearer(forge(key, header(key), claims())), 'allow', 'OK');
  });
  it('PS256 over a JWK without alg', async () => {
    await expectDecision(auth(), bearer(forge(rsaNoAlg, header(rsaNoAlg, { alg: 'PS256' }), claims(), 'PS256')), 'allow', 'OK');
  });
});

describe('alg "none" (unsecured JWS)', () => {
  for (const none of ['none', 'None', 'NONE', 'nOnE']) {
    it(`${none} with an empty signature is malformed`, async () => {
      const token = `${signingInput({ alg: none, typ: 'JWT' }, claims())}.`;
      await expectDecision(auth(), bearer(token), 'unauthorized', 'TOKEN_MALFORMED');
    });
    it(`${none} with a non-empty signature is refused by the allow-list`, async () => {
      const token = `${signingInput({ alg: none, kid: rsa.kid }, claims())}.${b64u('sig')}`;
      await expectDecision(auth(), bearer(token), 'unauthorized', 'ALG_NOT_ALLOWED');
    });
  }
  it('a configuration naming none or HS256 stops the function at init', () => {
    for (const alg of ['none', 'HS256', 'hs512']) {
      expect(() => parseConfig(testEnv('https://issuer.test/jwks', { JWT_ALGORITHMS: `RS256,${alg}` }))).toThrow(ConfigError);
    }
  });
});

describe('HMAC with the public key as the secret (key confusion)', () => {
  for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
    for (const [form, secret] of Object.entries(publicKeyForms(rsa.publicKey))) {
      it(`${alg} keyed with the RSA public key as ${form}`, async () => {
        const token = forgeHmac(alg, secret, { kid: rsa.kid, typ: 'JWT' }, claims());
        await expectDecision(auth(), bearer(token), 'unauthorized', 'ALG_NOT_ALLOWED');
      });
    }
    it(`${alg} keyed with the EC public key PEM`, async () => {
      const token = forgeHmac(alg, publicKeyForms(ec.publicKey)['pem']!, { kid: ec.kid }, claims());
      await expectDecision(auth(), bearer(token), 'unauthorized', 'ALG_NOT_ALLOWED');
    });
  }
});

describe('alg compared exactly', () => {
  for (const alg of ['rs256', 'Rs256', 'RS256 ', ' RS256', 'RS256\u0000', 'es256', 'eddsa', 'ED25519', 'RSA-OAEP', 'dir']) {
    it(`alg ${JSON.stringify(alg)} is not allowed even with a valid RS256 signature`, async () => {
      const h = { ...header(rsa), alg };
      const input = signingInput(h, claims());
      const token = `${input}.${signInput(rsa, input, 'RS256').toString('base64url')}`;
      await expectDecision(auth(), bearer(token), 'unauthorized', 'ALG_NOT_ALLOWED');
    });
  }
  for (const [name, h] of [
    ['missing', { kid: rsa.kid }],
    ['an array', { alg: ['RS256'], kid: rsa.kid }],
    ['a number', { alg: 256, kid: rsa.kid }],
    ['null', { alg: null, kid: rsa.kid }],
  ] as const) {
    it(`alg ${name}`, async () => {
      const input = signingInput(h, claims());
      await expectDecision(auth(), bearer(`${input}.${signInput(rsa, input, 'RS256').toString('base64url')}`), 'unauthorized', 'ALG_NOT_ALLOWED');
    });
  }
  it('an allowed alg that the configuration does not list (RS384) is refused', async () => {
    const token = forge(rsaNoAlg, header(rsaNoAlg, { alg: 'RS384' }), claims(), 'RS384');
    await expectDecision(auth(), bearer(token), 'unauthorized', 'ALG_NOT_ALLOWED');
  });
});

describe('empty, truncated and junk signatures', () => {
  it('empty signature (RS256) is malformed', async () => {
    await expectDecision(auth(), bearer(`${signingInput(header(rsa), claims())}.`), 'unauthorized', 'TOKEN_MALFORMED');
  });
  it.each([rsa, ec, ed])('$alg signature truncated by one byte', async (key) => {
    const input = signingInput(header(key), claims());
    const sig = signInput(key, input);
    await expectDecision(auth(), bearer(`${input}.${sig.subarray(0, sig.length - 1).toString('base64url')}`), 'unauthorized', 'SIGNATURE_INVALID');
  });
  it.each([rsa, ec, ed])('$alg signature of the right length, one bit flipped', async (key) => {
    const input = signingInput(header(key), claims());
    const sig = Buffer.from(signInput(key, input));
    sig[sig.length >> 1]! ^= 1;
    await expectDecision(auth(), bearer(`${input}.${sig.toString('base64url')}`), 'unauthorized', 'SIGNATURE_INVALID');
  });
  it('RS256 signature of a different payload', async () => {
    const input = signingInput(header(rsa), claims());
    const other = signInput(rsa, signingInput(header(rsa), claims({ scope: 'admin' })));
    await expectDecision(auth(), bearer(`${input}.${other.toString('base64url')}`), 'unauthorized', 'SIGNATURE_INVALID');
  });
});

describe('ECDSA psychic signatures (CVE-2022-21449) and junk r/s', () => {
  const P256_N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
  const cases: [string, Buffer][] = [
    ['r = s = 0 (64 zero bytes)', Buffer.alloc(64)],
    ['r = s = n', Buffer.concat([P256_N, P256_N])],
    ['r = 0, s = n', Buffer.concat([Buffer.alloc(32), P256_N])],
    ['r = s = 1', Buffer.concat([Buffer.alloc(31), Buffer.from([1]), Buffer.alloc(31), Buffer.from([1])])],
    ['r = s = 2^256 - 1', Buffer.alloc(64, 0xff)],
    ['a single zero byte', Buffer.alloc(1)],
    ['128 zero bytes', Buffer.alloc(128)],
  ];
  for (const [name, sig] of cases) {
    it(name, async () => {
      const token = `${signingInput(header(ec), claims())}.${sig.toString('base64url')}`;
      await expectDecision(auth(), bearer(token), 'unauthorized', 'SIGNATURE_INVALID');
    });
  }
  it('a valid signature DER-encoded instead of IEEE P1363', async () => {
    const input = signingInput(header(ec), claims());
    const { sign } = await import('node:crypto');
    const der = sign('sha256', Buffer.from(input), ec.privateKey);
    await expectDecision(auth(), bearer(`${input}.${der.toString('base64url')}`), 'unauthorized', 'SIGNATURE_INVALID');
  });
  it('a valid P1363 signature with a trailing zero byte', async () => {
    const input = signingInput(header(ec), claims());
    const sig = Buffer.concat([signInput(ec, input), Buffer.alloc(1)]);
    await expectDecision(auth(), bearer(`${input}.${sig.toString('base64url')}`), 'unauthorized', 'SIGNATURE_INVALID');
  });
});

describe('alg and key type must agree', () => {
  it('RS256 header naming the EC key (signed by the attacker as HMAC-free RS256 with their own key)', async () => {
    const attacker = generateKey('RS256', 'attacker');
    await expectDecision(auth(), bearer(forge(attacker, { alg: 'RS256', kid: ecNoAlg.kid }, claims())), 'unauthorized', 'KEY_NOT_FOUND');
  });
  it('ES256 header naming an RSA key without alg', async () => {
    const attacker = generateKey('ES256', 'attacker');
    await expectDecision(auth(), bearer(forge(attacker, { alg: 'ES256', kid: rsaNoAlg.kid }, claims())), 'unauthorized', 'KEY_NOT_FOUND');
  });
  it('ES384 header on a P-256 key (signed over SHA-384 with that very key)', async () => {
    const token = forge(ecNoAlg, { alg: 'ES384', kid: ecNoAlg.kid }, claims(), 'ES384');
    await expectDecision(auth(), bearer(token), 'unauthorized', 'KEY_NOT_FOUND');
  });
  it('PS256 header over an RS256 (PKCS#1 v1.5) signature', async () => {
    const token = forge(rsaNoAlg, { alg: 'PS256', kid: rsaNoAlg.kid }, claims(), 'RS256');
    await expectDecision(auth(), bearer(token), 'unauthorized', 'SIGNATURE_INVALID');
  });
  it('RS256 header over a PS256 (PSS) signature', async () => {
    const token = forge(rsaNoAlg, { alg: 'RS256', kid: rsaNoAlg.kid }, claims(), 'PS256');
    await expectDecision(auth(), bearer(token), 'unauthorized', 'SIGNATURE_INVALID');
  });
  it('PS256 header naming a JWK whose alg is RS256', async () => {
    const token = forge(rsa, { alg: 'PS256', kid: rsa.kid }, claims(), 'PS256');
    await expectDecision(auth(), bearer(token), 'unauthorized', 'KEY_NOT_FOUND');
  });
});

describe('the JWK itself restricts use', () => {
  it('control: the shared key pair under its proper entry is accepted', async () => {
    await expectDecision(auth(), bearer(forge(shared, header(shared), claims())), 'allow', 'OK');
  });
  it('JWKS entry says alg RS512, header says RS256', async () => {
    await expectDecision(auth(), bearer(forge(shared, header(shared, { kid: 'rsa-rs512' }), claims())), 'unauthorized', 'KEY_NOT_FOUND');
  });
  it('JWKS entry says use: enc', async () => {
    await expectDecision(auth(), bearer(forge(shared, header(shared, { kid: 'rsa-enc' }), claims())), 'unauthorized', 'KEY_NOT_FOUND');
  });
  it('an RSA 1024-bit key in the JWKS is refused (RS256)', async () => {
    await expectDecision(auth(), bearer(forge(weak, header(weak), claims())), 'unauthorized', 'KEY_UNSUITABLE');
  });
  it('an RSA 1024-bit key in the JWKS is refused (PS256, JWK without alg)', async () => {
    await expectDecision(auth(), bearer(forge(weak, { alg: 'PS256', kid: 'rsa-1024-noalg' }, claims(), 'PS256')), 'unauthorized', 'KEY_UNSUITABLE');
  });
});

describe('crit and b64 (RFC 7515 §4.1.11, RFC 7797)', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['crit naming an unknown extension', { crit: ['http://evil.example/ext'], 'http://evil.example/ext': true }],
    ['crit naming a registered name (exp)', { crit: ['exp'], exp: 1 }],
    ['crit empty array', { crit: [] }],
    ['crit naming b64 with b64: false', { crit: ['b64'], b64: false }],
    ['b64: false without crit', { b64: false }],
    ['b64: true (still an extension the verifier does not implement)', { b64: true }],
    ['crit as a string', { crit: 'b64' }],
  ];
  for (const [name, extra] of cases) {
    it(name, async () => {
      await expectDecision(auth(), bearer(forge(rsa, header(rsa, extra), claims())), 'unauthorized', 'CRIT_UNSUPPORTED');
    });
  }
  it('b64: false over the raw (unencoded) payload does not verify either', async () => {
    const h = header(rsa, { crit: ['b64'], b64: false });
    const payload = JSON.stringify(claims());
    const sig = signInput(rsa, `${b64u(h)}.${payload}`);
    await expectDecision(auth(), bearer(`${b64u(h)}.${b64u(payload)}.${sig.toString('base64url')}`), 'unauthorized', 'CRIT_UNSUPPORTED');
  });
});

describe('typ (RFC 8725 §3.11: explicit typing)', () => {
  for (const typ of ['JWE', 'secevent+jwt', 'application/jose+json', '', 1, null]) {
    it(`typ ${JSON.stringify(typ)}`, async () => {
      await expectDecision(auth(), bearer(forge(rsa, header(rsa, { typ }), claims())), 'unauthorized', 'TYP_NOT_ALLOWED');
    });
  }
  it('typ application/at+JWT is the same as at+jwt (control)', async () => {
    await expectDecision(auth(), bearer(forge(rsa, header(rsa, { typ: 'application/at+JWT' }), claims())), 'allow', 'OK');
  });
});
