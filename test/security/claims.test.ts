/**
 * Threat: a token signed by the real issuer (or parsed differently than it was signed) used outside the
 * terms it was issued for: another audience or stage, expired, not yet valid, too long-lived, with
 * identifiers of the wrong type, or with JSON that two parsers read differently.
 * Attacker: holds valid tokens of their own (the issuer signs whatever the attacker may legitimately ask
 * for), and can make the issuer sign odd claim values.
 * Defences: verify-token.ts checkClaims/checkAudience/identifier, decode-jwt.ts (canonical base64url,
 * fatal UTF-8, duplicate keys), scopes.ts readScopes (own properties of configured claims only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryReplayStore } from '../../lib/replay-store.js';
import { ISSUER, NOW, claims, httpApiEvent, restRequestEvent, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { generateKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { b64u, expectDecision, forge } from './support.js';

const key = generateKey('RS256', 'rsa-claims');
const h = { alg: 'RS256', kid: key.kid, typ: 'JWT' };
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
});
afterAll(async () => jwks.close());

const auth = (overrides: Record<string, string> = {}) => testAuthorizer({ env: testEnv(jwks.url, overrides), replayStore: new MemoryReplayStore() });
const bearer = (token: string, stage = 'dev', path = '/orders/42') => restTokenEvent(`Bearer ${token}`, stage, 'GET', path);
const tok = (payload: unknown) => forge(key, h, payload);
/** Claims without `name`. */
const without = (name: string, extra: Record<string, unknown> = {}) => {
  const c = claims(extra);
  delete c[name];
  return c;
};
/** Raw JSON text of the valid claims with `fragment` spliced in right after the opening brace. */
const rawWith = (fragment: string, base: Record<string, unknown> = claims()) => `{${fragment},${JSON.stringify(base).slice(1)}`;

describe('control', () => {
  it('a valid token is allowed', async () => {
    await expectDecision(auth(), bearer(tok(claims())), 'allow', 'OK');
  });
});

describe('exp, nbf, iat: required, numeric, in range', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['exp missing', without('exp'), 'CLAIMS_INVALID'],
    ['exp as string "9999999999"', claims({ exp: '9999999999' }), 'CLAIMS_INVALID'],
    ['exp as string "NaN"', claims({ exp: 'NaN' }), 'CLAIMS_INVALID'],
    ['exp null', claims({ exp: null }), 'CLAIMS_INVALID'],
    ['exp true', claims({ exp: true }), 'CLAIMS_INVALID'],
    ['exp as array', claims({ exp: [NOW + 300] }), 'CLAIMS_INVALID'],
    ['exp 1e308', claims({ exp: 1e308 }), 'LIFETIME_TOO_LONG'],
    ['exp above 2^53', claims({ exp: 2 ** 53 + 2 }), 'LIFETIME_TOO_LONG'],
    ['exp negative', claims({ exp: -1 }), 'TOKEN_EXPIRED'],
    ['exp 0', claims({ exp: 0 }), 'TOKEN_EXPIRED'],
    ['exp long past', claims({ exp: NOW - 3600, iat: NOW - 3700 }), 'TOKEN_EXPIRED'],
    ['exp exactly skew ago (30 s)', claims({ exp: NOW - 30, iat: NOW - 100 }), 'TOKEN_EXPIRED'],
    ['iat missing', without('iat'), 'CLAIMS_INVALID'],
    ['iat as string', claims({ iat: String(NOW) }), 'CLAIMS_INVALID'],
    ['iat beyond skew in the future', claims({ iat: NOW + 31, exp: NOW + 300 }), 'IAT_IN_FUTURE'],
    ['iat far in the future', claims({ iat: NOW + 86_000, exp: NOW + 86_100 }), 'IAT_IN_FUTURE'],
    ['nbf beyond skew in the future', claims({ nbf: NOW + 31 }), 'TOKEN_NOT_YET_VALID'],
    ['nbf as string', claims({ nbf: String(NOW) }), 'CLAIMS_INVALID'],
    ['nbf null', claims({ nbf: null }), 'CLAIMS_INVALID'],
    ['lifetime one second over the maximum (24 h)', claims({ iat: NOW - 10, exp: NOW - 10 + 86_401 }), 'LIFETIME_TOO_LONG'],
    ['exp before iat', claims({ iat: NOW - 10, exp: NOW - 15 }), 'LIFETIME_TOO_LONG'],
    ['iat 1e308 (far future)', claims({ iat: 1e308 }), 'IAT_IN_FUTURE'],
    ['iat -1e308 (lifetime absurd)', claims({ iat: -1e308 }), 'LIFETIME_TOO_LONG'],
  ];
  for (const [name, payload, reason] of cases) {
    it(name, async () => {
      await expectDecision(auth(), bearer(tok(payload)), 'unauthorized', reason);
    });
  }
  it('exp written as 1e999 (parses to Infinity)', async () => {
    const raw = JSON.stringify(claims()).replace(/"exp":\d+/, '"exp":1e999');
    await expectDecision(auth(), bearer(tok(raw)), 'unauthorized', 'CLAIMS_INVALID');
  });
  it('controls: exp 29 s ago, iat 29 s ahead and nbf 29 s ahead are inside the 30 s skew', async () => {
    await expectDecision(auth(), bearer(tok(claims({ exp: NOW - 29, iat: NOW - 100 }))), 'allow', 'OK');
    await expectDecision(auth(), bearer(tok(claims({ iat: NOW + 29, exp: NOW + 300 }))), 'allow', 'OK');
    await expectDecision(auth(), bearer(tok(claims({ nbf: NOW + 29 }))), 'allow', 'OK');
    await expectDecision(auth(), bearer(tok(claims({ iat: NOW - 10, exp: NOW - 10 + 86_400 }))), 'allow', 'OK');
  });
});

describe('iss: exact string equality', () => {
  const lookalikes: [string, unknown][] = [
    ['trailing slash', `${ISSUER}/`],
    ['upper-case host', ISSUER.toUpperCase()],
    ['case change in scheme', ISSUER.replace('https', 'HTTPS')],
    ['prefix', `x${ISSUER}`],
    ['suffix', `${ISSUER}.evil.example`],
    ['sub-path', `${ISSUER}/evil`],
    ['leading space', ` ${ISSUER}`],
    ['unicode homoglyph (Cyrillic і)', ISSUER.replace('i', '\u0456')],
    ['fullwidth colon', ISSUER.replace(':', '\uff1a')],
    ['http instead of https', ISSUER.replace('https', 'http')],
    ['array holding the issuer', [ISSUER]],
    ['object', { iss: ISSUER }],
    ['null', null],
  ];
  for (const [name, iss] of lookalikes) {
    it(name, async () => {
      await expectDecision(auth(), bearer(tok(claims({ iss }))), 'unauthorized', 'ISSUER_MISMATCH');
    });
  }
  it('missing', async () => {
    await expectDecision(auth(), bearer(tok(without('iss'))), 'unauthorized', 'ISSUER_MISMATCH');
  });
});

describe('audience of the stage (from the ARN)', () => {
  it('an array containing the stage audience passes', async () => {
    await expectDecision(auth(), bearer(tok(claims({ aud: ['other', 'api-dev'] }))), 'allow', 'OK');
  });
  it('prod accepts either of its audiences', async () => {
    await expectDecision(auth(), bearer(tok(claims({ aud: 'api-prod' })), 'prod'), 'allow', 'OK');
    await expectDecision(auth(), bearer(tok(claims({ aud: 'api' })), 'prod'), 'allow', 'OK');
  });
  const wrong: [string, unknown][] = [
    ['an array of other audiences only', ['other', 'api-prod']],
    ['trailing space', 'api-dev '],
    ['upper case', 'API-DEV'],
    ['longer', 'api-dev2'],
    ['prefix only', 'api'],
    ['another stage\'s audience', 'api-prod'],
    ['empty array', []],
    ['array mixing the audience with a number', ['api-dev', 5]],
    ['array nested', [['api-dev']]],
    ['null', null],
    ['object', { aud: 'api-dev' }],
  ];
  for (const [name, aud] of wrong) {
    it(name, async () => {
      await expectDecision(auth(), bearer(tok(claims({ aud }))), 'unauthorized', 'AUDIENCE_MISMATCH');
    });
  }
  it('aud missing', async () => {
    await expectDecision(auth(), bearer(tok(without('aud'))), 'unauthorized', 'AUDIENCE_MISMATCH');
  });
  it('a dev token used on the prod stage', async () => {
    await expectDecision(auth(), bearer(tok(claims({ aud: 'api-dev' })), 'prod'), 'unauthorized', 'AUDIENCE_MISMATCH');
  });
  it('a stage without a configured audience is 403 before the token is even verified', async () => {
    await expectDecision(auth(), bearer(tok(claims()), 'staging'), 'forbidden', 'STAGE_NOT_CONFIGURED');
  });
  it('requestContext.stage cannot move the request to another stage (ARN is authoritative)', async () => {
    const event = restRequestEvent(`Bearer ${tok(claims({ aud: 'api-prod' }))}`, { stage: 'dev' });
    (event['requestContext'] as Record<string, unknown>)['stage'] = 'prod';
    await expectDecision(auth(), event, 'forbidden', 'STAGE_MISMATCH');
  });
  it('HTTP API: the routeArn stage decides, not requestContext.stage', async () => {
    const event = httpApiEvent(`Bearer ${tok(claims({ aud: 'api-dev' }))}`, { stage: '$default' });
    (event['requestContext'] as Record<string, unknown>)['stage'] = 'dev';
    await expectDecision(auth({ HTTP_API_RESPONSE: 'iam' }), event, 'forbidden', 'STAGE_MISMATCH');
  });

  describe('AUDIENCE_CLAIM=client_id', () => {
    const cid = () => auth({ AUDIENCE_CLAIM: 'client_id' });
    it('control: client_id equal to the stage audience passes', async () => {
      await expectDecision(cid(), bearer(tok(claims({ aud: undefined, client_id: 'api-dev' }))), 'allow', 'OK');
    });
    it('aud right but client_id missing', async () => {
      await expectDecision(cid(), bearer(tok(claims({ aud: 'api-dev' }))), 'unauthorized', 'AUDIENCE_MISMATCH');
    });
    it('client_id as an array containing the audience', async () => {
      await expectDecision(cid(), bearer(tok(claims({ client_id: ['api-dev'] }))), 'unauthorized', 'AUDIENCE_MISMATCH');
    });
    it('client_id of another stage', async () => {
      await expectDecision(cid(), bearer(tok(claims({ client_id: 'api-prod' }))), 'unauthorized', 'AUDIENCE_MISMATCH');
    });
    it('client_id look-alike', async () => {
      await expectDecision(cid(), bearer(tok(claims({ client_id: 'API-DEV' }))), 'unauthorized', 'AUDIENCE_MISMATCH');
    });
  });
});

describe('sub and jti: non-empty strings', () => {
  for (const name of ['sub', 'jti']) {
    const cases: [string, unknown][] = [
      ['a number', 12345],
      ['empty', ''],
      ['an array', ['user-1']],
      ['null', null],
      ['an object', { id: 'user-1' }],
      ['true', true],
    ];
    // sub becomes the principalId and a log field, so it is bounded; jti is only hashed (replay.test.ts).
    if (name === 'sub') cases.push(['longer than 1024 characters', 'x'.repeat(1025)]);
    for (const [what, value] of cases) {
      it(`${name} as ${what}`, async () => {
        await expectDecision(auth(), bearer(tok(claims({ [name]: value }))), 'unauthorized', 'CLAIMS_INVALID');
      });
    }
    it(`${name} missing`, async () => {
      await expectDecision(auth(), bearer(tok(without(name))), 'unauthorized', 'CLAIMS_INVALID');
    });
  }
});

describe('JSON that two parsers could read differently', () => {
  it('duplicate sub in the payload', async () => {
    await expectDecision(auth(), bearer(tok(rawWith('"sub":"admin"'))), 'unauthorized', 'TOKEN_MALFORMED');
  });
  it('duplicate scope in the payload, the second one escaped', async () => {
    await expectDecision(auth(), bearer(tok(rawWith('"sc\\u006fpe":"admin"'))), 'unauthorized', 'TOKEN_MALFORMED');
  });
  it('duplicate iss (first the real issuer, then another)', async () => {
    await expectDecision(auth(), bearer(tok(`${JSON.stringify(claims()).slice(0, -1)},"iss":"https://evil.example"}`)), 'unauthorized', 'TOKEN_MALFORMED');
  });
  it('duplicate alg in the header', async () => {
    const header = `{"alg":"HS256","alg":"RS256","kid":"${key.kid}"}`;
    await expectDecision(auth(), bearer(forge(key, header, claims())), 'unauthorized', 'TOKEN_MALFORMED');
  });
  it('duplicate kid in the header', async () => {
    const header = `{"alg":"RS256","kid":"other","kid":"${key.kid}"}`;
    await expectDecision(auth(), bearer(forge(key, header, claims())), 'unauthorized', 'TOKEN_MALFORMED');
  });
  it('duplicate keys inside nested objects are not top-level duplicates (control)', async () => {
    await expectDecision(auth(), bearer(tok(rawWith('"ext":{"a":1,"a":2}'))), 'allow', 'OK');
  });

  it('__proto__ in the payload grants no scope and pollutes nothing', async () => {
    const base = without('scope');
    const raw = rawWith('"__proto__":{"scope":"orders:read admin admin:read","scp":["orders:read"],"polluted":true}', base);
    await expectDecision(auth(), bearer(tok(raw)), 'forbidden', 'SCOPE_MISSING');
    await expectDecision(auth(), bearer(tok(raw), 'dev', '/admin/status'), 'forbidden', 'SCOPE_MISSING');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['scope']).toBeUndefined();
  });
  it('constructor.prototype in the payload pollutes nothing', async () => {
    const raw = rawWith('"constructor":{"prototype":{"scope":"admin","polluted2":true}}', without('scope'));
    await expectDecision(auth(), bearer(tok(raw)), 'forbidden', 'SCOPE_MISSING');
    expect(({} as Record<string, unknown>)['polluted2']).toBeUndefined();
  });
  it('__proto__ in the header does not supply alg or kid', async () => {
    const header = `{"__proto__":{"alg":"RS256","kid":"${key.kid}"}}`;
    await expectDecision(auth(), bearer(forge(key, header, claims())), 'unauthorized', 'ALG_NOT_ALLOWED');
  });

  const bytes: [string, Buffer][] = [
    ['overlong UTF-8 for "/" (C0 AF)', Buffer.from([0xc0, 0xaf])],
    ['invalid byte FF', Buffer.from([0xff])],
    ['lone surrogate encoded as UTF-8 (ED A0 80)', Buffer.from([0xed, 0xa0, 0x80])],
    ['truncated multi-byte sequence (E2 82)', Buffer.from([0xe2, 0x82])],
    ['overlong NUL (C0 80)', Buffer.from([0xc0, 0x80])],
  ];
  for (const [name, bad] of bytes) {
    it(`payload with ${name}`, async () => {
      const json = JSON.stringify(claims({ sub: 'user-X' }));
      const [before, after] = json.split('X') as [string, string];
      const payload = Buffer.concat([Buffer.from(before), bad, Buffer.from(after)]);
      await expectDecision(auth(), bearer(forge(key, h, payload)), 'unauthorized', 'TOKEN_MALFORMED');
    });
  }
  it('a UTF-8 BOM before the payload JSON', async () => {
    await expectDecision(auth(), bearer(forge(key, h, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(claims()))]))), 'unauthorized', 'TOKEN_MALFORMED');
  });
  it('payload that is a JSON array or string', async () => {
    await expectDecision(auth(), bearer(tok('[1,2]')), 'unauthorized', 'TOKEN_MALFORMED');
    await expectDecision(auth(), bearer(tok('"claims"')), 'unauthorized', 'TOKEN_MALFORMED');
  });
});

describe('one token, one encoding (canonical base64url)', () => {
  /** Changes the last character of a base64url part to one that decodes to the same bytes (spare bits set). */
  function withStrayBits(part: string): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spare = part.length % 4 === 2 ? 4 : part.length % 4 === 3 ? 2 : 0;
    if (spare === 0) throw new Error('part has no spare bits');
    const last = alphabet.indexOf(part[part.length - 1]!);
    const changed = alphabet[last | 1]! === part[part.length - 1] ? alphabet[(last & ~((1 << spare) - 1)) | 2]! : alphabet[last | 1]!;
    const out = part.slice(0, -1) + changed;
    if (!Buffer.from(out, 'base64url').equals(Buffer.from(part, 'base64url')) || out === part) throw new Error('not an alias');
    return out;
  }
  /** Claims whose JSON has a base64url encoding with spare bits. */
  function paddedClaims(): Record<string, unknown> {
    for (let n = 0; ; n++) {
      const c = claims({ pad: 'x'.repeat(n) });
      if (b64u(c).length % 4 !== 0) return c;
    }
  }
  it('stray bits in the signature (same signature bytes) are refused', async () => {
    const token = tok(claims());
    const [hp, pp, sp] = token.split('.') as [string, string, string];
    expect(sp.length % 4).not.toBe(0);
    await expectDecision(auth(), bearer(`${hp}.${pp}.${withStrayBits(sp)}`), 'unauthorized', 'TOKEN_MALFORMED');
  });
  it('stray bits in the payload, signed as written', async () => {
    const input = `${b64u(h)}.${withStrayBits(b64u(paddedClaims()))}`;
    const { signInput } = await import('../helpers/keys.js');
    await expectDecision(auth(), bearer(`${input}.${signInput(key, input).toString('base64url')}`), 'unauthorized', 'TOKEN_MALFORMED');
  });
  it('stray bits in the header, signed as written', async () => {
    let header: Record<string, unknown> = h;
    for (let n = 0; b64u(header).length % 4 === 0; n++) header = { ...h, x: 'y'.repeat(n) };
    const input = `${withStrayBits(b64u(header))}.${b64u(claims())}`;
    const { signInput } = await import('../helpers/keys.js');
    await expectDecision(auth(), bearer(`${input}.${signInput(key, input).toString('base64url')}`), 'unauthorized', 'TOKEN_MALFORMED');
  });
});

describe('scopes only from SCOPE_CLAIMS, exact tokens', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['role admin', { scope: undefined, role: 'orders:read' }],
    ['roles array', { scope: undefined, roles: ['orders:read'] }],
    ['groups', { scope: undefined, groups: ['orders:read'] }],
    ['cognito:groups', { scope: undefined, 'cognito:groups': ['orders:read'] }],
    ['permissions', { scope: undefined, permissions: ['orders:read'] }],
    ['case change', { scope: 'ORDERS:READ' }],
    ['prefix match', { scope: 'orders:readx' }],
    ['substring', { scope: 'orders:rea' }],
    ['comma separated', { scope: 'orders:read,admin' }],
    ['wildcard', { scope: '*' }],
    ['orders:* wildcard', { scope: 'orders:*' }],
  ];
  for (const [name, extra] of cases) {
    it(name, async () => {
      const c = claims(extra);
      for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
      await expectDecision(auth(), bearer(tok(c)), 'forbidden', 'SCOPE_MISSING');
    });
  }
  it('controls: space-separated scope and an scp array both grant', async () => {
    await expectDecision(auth(), bearer(tok(claims({ scope: 'x  orders:read' }))), 'allow', 'OK');
    await expectDecision(auth(), bearer(tok(claims({ scope: undefined, scp: ['orders:read'] }))), 'allow', 'OK');
  });
  it('with SCOPE_CLAIMS=scp a scope claim grants nothing', async () => {
    await expectDecision(auth({ SCOPE_CLAIMS: 'scp' }), bearer(tok(claims({ scope: 'orders:read' }))), 'forbidden', 'SCOPE_MISSING');
  });
  // Issue 11.4: an element outside RFC 6749 scope-token characters made the context's `scope` lie.
  const invalid: [string, Record<string, unknown>][] = [
    ['an scp element with a space', { scope: undefined, scp: ['orders:read', 'profile admin'] }],
    ['an scp element with a tab', { scope: undefined, scp: ['orders:read', 'profile\tadmin'] }],
    ['an scp element with a newline', { scope: undefined, scp: ['orders:read\nadmin'] }],
    ['an scp element with a leading space', { scope: undefined, scp: [' orders:read'] }],
    ['an scp element with a double quote', { scope: undefined, scp: ['orders:read', 'a"b'] }],
    ['an scp element with a backslash', { scope: undefined, scp: ['orders:read', 'a\\b'] }],
    ['an scp element with non-ASCII', { scope: undefined, scp: ['orders:read', 'ädmin'] }],
    ['an scp element with NUL', { scope: undefined, scp: ['orders:read', 'a\u0000'] }],
    ['a scope string with a tab', { scope: 'x\torders:read' }],
    ['a scope string with a newline', { scope: 'orders:read\nadmin' }],
    ['a scope string with a double quote', { scope: 'orders:read "admin"' }],
    ['a scope string with non-ASCII', { scope: 'orders:read ädmin' }],
    ['a scope string with a non-breaking space', { scope: 'orders:read\u00a0admin' }],
  ];
  for (const [name, extra] of invalid) {
    it(`${name} makes the token invalid (401 CLAIMS_INVALID)`, async () => {
      const c = claims(extra);
      for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
      await expectDecision(auth(), bearer(tok(c)), 'unauthorized', 'CLAIMS_INVALID');
    });
  }
  it('controls: every scope-token character is accepted, and the context joins exactly the scopes', async () => {
    const every = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)).filter((ch) => ch !== '"' && ch !== '\\').join('');
    const result = await expectDecision(auth(), bearer(tok(claims({ scope: undefined, scp: ['orders:read', every] }))), 'allow', 'OK');
    expect((result.response as { context: { scope: string } }).context.scope).toBe(`orders:read ${every}`);
  });
  it('a scope claim of the wrong type is refused', async () => {
    await expectDecision(auth(), bearer(tok(claims({ scope: { 'orders:read': true } }))), 'unauthorized', 'CLAIMS_INVALID');
    await expectDecision(auth(), bearer(tok(claims({ scp: ['orders:read', 1] }))), 'unauthorized', 'CLAIMS_INVALID');
  });
});
