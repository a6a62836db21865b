/**
 * Every check of design §3.3, one test each, through `verifyToken` with fixed keys. Each test fails if
 * its check is removed: it asserts the specific code of the check that must catch it.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.js';
import { AuthError, type ErrorCode } from '../../lib/errors.js';
import { verifyToken } from '../../lib/verify-token.js';
import { generateKey, signInput, signToken, unsignedToken, type TestKey } from '../helpers/keys.js';
import { StaticKeySource } from '../helpers/static-keys.js';
import { claims, ISSUER, NOW, testEnv } from '../helpers/fixtures.js';

const es = generateKey('ES256', 'es');
const rs = generateKey('RS256', 'rs');
const ed = generateKey('EdDSA', 'ed');
const ps = generateKey('PS256', 'ps');
const other = generateKey('ES256', 'es'); // same kid, different key: a forgery
const keys = new StaticKeySource([es, rs, ed, ps]);
const config = parseConfig(testEnv('https://issuer.test/jwks'));

async function verify(token: string, opts: { audiences?: string[]; now?: number; cfg?: typeof config } = {}) {
  return verifyToken({ token, audiences: opts.audiences ?? ['api-dev'], now: opts.now ?? NOW }, opts.cfg ?? config, keys);
}

async function code(token: string, opts: Parameters<typeof verify>[1] = {}): Promise<ErrorCode> {
  try {
    await verify(token, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return (err as AuthError).code;
  }
  throw new Error('token was accepted');
}

const tok = (payload: Record<string, unknown> = claims(), header: Record<string, unknown> = {}, key: TestKey = es) => signToken(key, { header, payload });

describe('verifyToken accepts', () => {
  it.each([es, rs, ed, ps])('a valid $alg token', async (key) => {
    const v = await verify(tok(claims(), {}, key));
    expect(v.sub).toBe('user-1');
    expect(v.iss).toBe(ISSUER);
    expect(v.alg).toBe(key.alg);
  });

  it('an audience array containing the stage audience', async () => {
    await expect(verify(tok(claims({ aud: ['other', 'api-dev'] })))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('a token within the clock skew of exp, nbf and iat', async () => {
    await expect(verify(tok(claims({ exp: NOW - 29, iat: NOW - 100, nbf: NOW + 29 })))).resolves.toBeDefined();
    await expect(verify(tok(claims({ iat: NOW + 29, exp: NOW + 300 })))).resolves.toBeDefined();
  });

  it('typ JWT, at+jwt and application/at+jwt in any case, or no typ', async () => {
    for (const typ of ['JWT', 'at+jwt', 'application/AT+JWT']) await expect(verify(tok(claims(), { typ }))).resolves.toBeDefined();
    const noTyp = signToken(es, { header: JSON.stringify({ alg: 'ES256', kid: 'es' }), payload: claims() });
    await expect(verify(noTyp)).resolves.toBeDefined();
  });
});

describe('verifyToken refuses', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('alg %s', async (alg) => {
    // An empty signature is not even a compact JWS.
    expect(await code(unsignedToken({ alg, kid: 'es' }, claims(), ''))).toBe('TOKEN_MALFORMED');
    expect(await code(unsignedToken({ alg, kid: 'es' }, claims(), 'c2ln'))).toBe('ALG_NOT_ALLOWED');
  });

  it('HS256 signed with the public key as the secret', async () => {
    const { createHmac } = await import('node:crypto');
    const pem = rs.publicKey.export({ type: 'spki', format: 'pem' });
    const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'rs' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}`;
    const sig = createHmac('sha256', pem).update(input).digest('base64url');
    expect(await code(`${input}.${sig}`)).toBe('ALG_NOT_ALLOWED');
  });

  it('an alg outside JWT_ALGORITHMS even if the key fits', async () => {
    const cfg = parseConfig(testEnv('https://issuer.test/jwks', { JWT_ALGORITHMS: 'RS256' }));
    expect(await code(tok(), { cfg })).toBe('ALG_NOT_ALLOWED');
  });

  it('a signature from another key under the same kid', async () => {
    expect(await code(tok(claims(), {}, other))).toBe('SIGNATURE_INVALID');
  });

  it('a payload changed after signing', async () => {
    const [h, , s] = tok().split('.');
    const forged = Buffer.from(JSON.stringify(claims({ scope: 'admin' }))).toString('base64url');
    expect(await code(`${h}.${forged}.${s}`)).toBe('SIGNATURE_INVALID');
  });

  it('an ECDSA signature of the wrong length (DER, truncated, all-zero)', async () => {
    const t = tok();
    const [h, p] = t.split('.');
    const input = `${h}.${p}`;
    const der = (await import('node:crypto')).sign('sha256', Buffer.from(input), es.privateKey).toString('base64url');
    expect(await code(`${input}.${der}`)).toBe('SIGNATURE_INVALID');
    expect(await code(`${input}.${signInput(es, input).subarray(0, 63).toString('base64url')}`)).toBe('SIGNATURE_INVALID');
    expect(await code(`${input}.${Buffer.alloc(64).toString('base64url')}`)).toBe('SIGNATURE_INVALID');
  });

  it('an alg that does not fit the key (ES256 header on the RSA kid)', async () => {
    const input = `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'rs' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}`;
    expect(await code(`${input}.${signInput(es, input).toString('base64url')}`)).toBe('KEY_UNSUITABLE');
  });

  it('an RSA key under 2048 bits', async () => {
    const weak = generateKey('RS256', 'weak', 1024);
    const source = new StaticKeySource([weak]);
    await expect(verifyToken({ token: tok(claims(), {}, weak), audiences: ['api-dev'], now: NOW }, config, source)).rejects.toMatchObject({ code: 'KEY_UNSUITABLE' });
  });

  it('an expired token (beyond the skew)', async () => {
    expect(await code(tok(claims({ exp: NOW - 30, iat: NOW - 100 })))).toBe('TOKEN_EXPIRED');
  });

  it('a token not yet valid (nbf beyond the skew)', async () => {
    expect(await code(tok(claims({ nbf: NOW + 31 })))).toBe('TOKEN_NOT_YET_VALID');
  });

  it('an iat in the future beyond the skew', async () => {
    expect(await code(tok(claims({ iat: NOW + 31, exp: NOW + 600 })))).toBe('IAT_IN_FUTURE');
  });

  it('a lifetime over MAX_TOKEN_LIFETIME_SECONDS, and exp before iat', async () => {
    expect(await code(tok(claims({ iat: NOW - 10, exp: NOW - 10 + 86401 })))).toBe('LIFETIME_TOO_LONG');
    expect(await code(tok(claims({ iat: NOW, exp: NOW - 1 })))).toBe('LIFETIME_TOO_LONG');
  });

  it.each([
    ['exp', { exp: undefined }],
    ['iat', { iat: undefined }],
    ['exp as string', { exp: String(NOW + 300) }],
    ['iat as string', { iat: String(NOW) }],
    ['nbf as string', { nbf: String(NOW) }],
    ['exp as null', { exp: null }],
  ])('%s', async (_name, overrides) => {
    expect(await code(tok(claims(overrides)))).toBe('CLAIMS_INVALID');
  });

  it.each([
    ['a wrong issuer', 'https://evil.test'],
    ['a prefixed issuer', `${ISSUER}.evil.test`],
    ['an issuer with a trailing slash', `${ISSUER}/`],
    ['a case-changed issuer', ISSUER.toUpperCase()],
    ['an issuer array', [ISSUER]],
    ['no issuer', undefined],
  ])('%s', async (_name, iss) => {
    expect(await code(tok(claims({ iss })))).toBe('ISSUER_MISMATCH');
  });

  it('the audience of another stage', async () => {
    expect(await code(tok(claims({ aud: 'api-prod' })))).toBe('AUDIENCE_MISMATCH');
  });

  it.each([['missing', undefined], ['look-alike', 'api-dev '], ['case-changed', 'API-DEV'], ['array without it', ['api', 'api-dev2']], ['array with a non-string', ['api-dev', 1]]])(
    'an audience %s',
    async (_name, aud) => {
      expect(await code(tok(claims({ aud })))).toBe('AUDIENCE_MISMATCH');
    },
  );

  it('client_id mode: client_id must be a string equal to the audience', async () => {
    const cfg = parseConfig(testEnv('https://issuer.test/jwks', { AUDIENCE_CLAIM: 'client_id' }));
    await expect(verify(tok(claims({ aud: undefined, client_id: 'api-dev' })), { cfg })).resolves.toBeDefined();
    expect(await code(tok(claims({ client_id: undefined })), { cfg })).toBe('AUDIENCE_MISMATCH');
    expect(await code(tok(claims({ client_id: ['api-dev'] })), { cfg })).toBe('AUDIENCE_MISMATCH');
  });

  it.each([
    ['sub missing', { sub: undefined }],
    ['sub empty', { sub: '' }],
    ['sub a number', { sub: 42 }],
    ['jti missing', { jti: undefined }],
    ['jti empty', { jti: '' }],
    ['jti a number', { jti: 7 }],
    ['jti an array', { jti: ['a'] }],
  ])('%s', async (_name, overrides) => {
    expect(await code(tok(claims(overrides)))).toBe('CLAIMS_INVALID');
  });

  it('a crit header, even naming nothing', async () => {
    expect(await code(tok(claims(), { crit: ['exp'], exp: 1 }))).toBe('CRIT_UNSUPPORTED');
    expect(await code(tok(claims(), { crit: [] }))).toBe('CRIT_UNSUPPORTED');
    expect(await code(tok(claims(), { b64: false }))).toBe('CRIT_UNSUPPORTED');
  });

  it('a kid that is not a short string', async () => {
    for (const kid of [123, null, { a: 1 }, ['es'], '', 'k'.repeat(257)]) expect(await code(tok(claims(), { kid }))).toBe('KID_INVALID');
  });

  it('a typ outside TOKEN_TYPES, and no typ when absent is not allowed', async () => {
    expect(await code(tok(claims(), { typ: 'dpop+jwt' }))).toBe('TYP_NOT_ALLOWED');
    expect(await code(tok(claims(), { typ: 7 }))).toBe('TYP_NOT_ALLOWED');
    const cfg = parseConfig(testEnv('https://issuer.test/jwks', { TOKEN_TYPES: 'at+jwt' }));
    const noTyp = signToken(es, { header: JSON.stringify({ alg: 'ES256', kid: 'es' }), payload: claims() });
    expect(await code(noTyp, { cfg })).toBe('TYP_NOT_ALLOWED');
  });

  it('duplicate members in header or payload', async () => {
    const header = '{"alg":"ES256","kid":"es","alg":"ES256"}';
    expect(await code(signToken(es, { header, payload: claims() }))).toBe('TOKEN_MALFORMED');
    const payload = JSON.stringify(claims()).replace(/^\{/, '{"sub":"admin",');
    expect(await code(signToken(es, { payload }))).toBe('TOKEN_MALFORMED');
  });

  it('non-canonical base64url and invalid UTF-8', async () => {
    const [h, p, s] = tok().split('.') as [string, string, string];
    // Flip the unused low bits of the last character: decodes to the same bytes, but is not canonical.
    const last = s.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const bumped = alphabet[alphabet.indexOf(last) + 1] ?? 'A';
    expect(await code(`${h}.${p}.${s.slice(0, -1)}${bumped}`)).toBe('TOKEN_MALFORMED');
    const badUtf8 = Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url');
    expect(await code(`${h}.${badUtf8}.${s}`)).toBe('TOKEN_MALFORMED');
  });

  it('a payload that is not an object', async () => {
    expect(await code(signToken(es, { payload: '[1,2]' }))).toBe('TOKEN_MALFORMED');
    expect(await code(signToken(es, { payload: '"str"' }))).toBe('TOKEN_MALFORMED');
  });

  it('an unknown kid', async () => {
    expect(await code(tok(claims(), { kid: 'nope' }))).toBe('KEY_NOT_FOUND');
  });

  it('keys embedded in the header are never used', async () => {
    const attacker = generateKey('ES256', 'attacker');
    const header = { kid: 'attacker', jwk: attacker.publicJwk, jku: 'http://127.0.0.1:1/jwks', x5u: 'http://127.0.0.1:1/x5u' };
    expect(await code(tok(claims(), header, attacker))).toBe('KEY_NOT_FOUND');
  });
});

describe('checked headers are remembered per configuration only', () => {
  it('a header accepted under one configuration is still refused under another', async () => {
    const token = tok(claims(), { typ: 'JWT' });
    await expect(verify(token)).resolves.toMatchObject({ alg: 'ES256' });
    // Same header text, stricter configurations: the earlier acceptance must not carry over.
    const rsOnly = parseConfig(testEnv('https://issuer.test/jwks', { JWT_ALGORITHMS: 'RS256' }));
    expect(await code(token, { cfg: rsOnly })).toBe('ALG_NOT_ALLOWED');
    const atJwtOnly = parseConfig(testEnv('https://issuer.test/jwks', { TOKEN_TYPES: 'at+jwt' }));
    expect(await code(token, { cfg: atJwtOnly })).toBe('TYP_NOT_ALLOWED');
    await expect(verify(token)).resolves.toMatchObject({ alg: 'ES256' });
  });

  it('a remembered header still gets its payload and signature checked', async () => {
    const good = tok();
    await verify(good);
    const [h, , s] = good.split('.');
    const forged = Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url');
    expect(await code(`${h}.${forged}.${s}`)).toBe('SIGNATURE_INVALID');
    expect(await code(`${h}.${forged}.${s}x`)).toBe('TOKEN_MALFORMED');
  });

  it('a flood of distinct headers neither breaks nor fills the memory of good ones', async () => {
    for (let i = 0; i < 200; i++) expect(await code(tok(claims(), { kid: `unknown-${i}` }))).toBe('KEY_NOT_FOUND');
    await expect(verify(tok())).resolves.toMatchObject({ sub: 'user-1' });
  });
});
