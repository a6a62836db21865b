import { describe, expect, it } from 'vitest';
import { AuthError } from '../../lib/errors.js';
import { extractCredentials, extractRequest, extractTokenCredentials } from '../../lib/extract-request.js';
import { ACCOUNT_PREFIX, httpApiEvent, restRequestEvent, restTokenEvent, websocketEvent } from '../helpers/fixtures.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return (err as AuthError).code;
  }
  throw new Error('no error');
}

describe('extractCredentials', () => {
  it('takes the token after a case-insensitive Bearer scheme', () => {
    expect(extractCredentials(`Bearer ${JWT}`).token).toBe(JWT);
    expect(extractCredentials(`bearer ${JWT}`).token).toBe(JWT);
    expect(extractCredentials(`BEARER ${JWT}`).token).toBe(JWT);
  });

  it.each([
    ['no scheme', JWT],
    ['another scheme', `Basic ${JWT}`],
    ['two spaces', `Bearer  ${JWT}`],
    ['a tab', `Bearer\t${JWT}`],
    ['a trailing space', `Bearer ${JWT} `],
    ['a leading space', ` Bearer ${JWT}`],
    ['a newline inside', `Bearer ${JWT.slice(0, 10)}\n${JWT.slice(10)}`],
    ['padding', `Bearer ${JWT}=`],
    ['padding inside a part', `Bearer eyJhbGciOiJFUzI1NiJ9=.eyJzdWIiOiJhIn0.c2ln`],
    ['standard base64 characters', `Bearer ${JWT.replace('c2ln', 'c2+/')}`],
    ['two parts', 'Bearer aaa.bbb'],
    ['a JWE (five parts)', 'Bearer a.b.c.d.e'],
    ['an empty part', 'Bearer a..c'],
    ['JSON serialization', 'Bearer {"payload":"a","signatures":[]}'],
    ['only the scheme', 'Bearer '],
  ])('refuses %s', (_name, value) => {
    expect(codeOf(() => extractCredentials(value).token)).toBe('TOKEN_MALFORMED');
  });

  it('refuses a value over 8 KiB before parsing it', () => {
    expect(codeOf(() => extractCredentials(`Bearer ${'a'.repeat(8186)}.b.c`).token)).toBe('TOKEN_TOO_LARGE');
    expect(() => extractCredentials(`Bearer ${'a'.repeat(8181)}.b.c`).token).not.toThrow();
  });
});

describe('extractTokenCredentials', () => {
  it('reads all four event kinds', () => {
    expect(extractTokenCredentials(restTokenEvent(`Bearer ${JWT}`)).token).toBe(JWT);
    expect(extractTokenCredentials(restRequestEvent(`Bearer ${JWT}`)).token).toBe(JWT);
    expect(extractTokenCredentials(httpApiEvent(`Bearer ${JWT}`)).token).toBe(JWT);
    expect(extractTokenCredentials(websocketEvent(`Bearer ${JWT}`)).token).toBe(JWT);
  });

  it('matches the header name case-insensitively', () => {
    const event = restRequestEvent(undefined);
    event['headers'] = { AUTHORIZATION: `Bearer ${JWT}` };
    event['multiValueHeaders'] = {};
    expect(extractTokenCredentials(event).token).toBe(JWT);
  });

  it.each([
    ['a missing TOKEN value', restTokenEvent(undefined)],
    ['an empty TOKEN value', restTokenEvent('')],
    ['a missing header', restRequestEvent(undefined)],
    ['a missing HTTP API header', httpApiEvent(undefined)],
    ['a non-string TOKEN value', { ...restTokenEvent(undefined), authorizationToken: ['Bearer x'] }],
  ])('401 for %s', (_name, event) => {
    expect(codeOf(() => extractTokenCredentials(event).token)).toBe('TOKEN_MISSING');
  });

  it.each([
    ['not an object', 'Bearer x'],
    ['null', null],
    ['an array', [restTokenEvent(`Bearer ${JWT}`)]],
    ['an unknown event type', { type: 'COGNITO', authorizationToken: `Bearer ${JWT}` }],
    ['no type', { authorizationToken: `Bearer ${JWT}`, methodArn: `${ACCOUNT_PREFIX}/dev/GET/orders` }],
  ])('500 (EVENT_INVALID) for %s: not an authorizer event, even with a token', (_name, event) => {
    expect(codeOf(() => extractTokenCredentials(event).token)).toBe('EVENT_INVALID');
  });

  it('refuses two authorization values', () => {
    const twoKeys = restRequestEvent(undefined);
    twoKeys['headers'] = { Authorization: `Bearer ${JWT}`, authorization: `Bearer ${JWT}` };
    expect(codeOf(() => extractTokenCredentials(twoKeys).token)).toBe('TOKEN_AMBIGUOUS');
    const multi = restRequestEvent(`Bearer ${JWT}`);
    multi['multiValueHeaders'] = { Authorization: [`Bearer ${JWT}`, 'Bearer other.token.here'] };
    expect(codeOf(() => extractTokenCredentials(multi).token)).toBe('TOKEN_AMBIGUOUS');
    const disagree = restRequestEvent(`Bearer ${JWT}`);
    disagree['multiValueHeaders'] = { Authorization: ['Bearer other.token.here'] };
    expect(codeOf(() => extractTokenCredentials(disagree).token)).toBe('TOKEN_AMBIGUOUS');
    // HTTP APIs join repeated headers with a comma.
    expect(codeOf(() => extractTokenCredentials(httpApiEvent(`Bearer ${JWT},Bearer ${JWT}`)).token)).toBe('TOKEN_AMBIGUOUS');
  });
});

describe('extractRequest', () => {
  it('takes stage, method and path from the ARN', () => {
    const r = extractRequest(restTokenEvent('x', 'prod', 'POST', '/orders'));
    expect(r.kind).toBe('rest-token');
    expect(r.arn).toMatchObject({ stage: 'prod', method: 'POST', path: '/orders', prefix: `${ACCOUNT_PREFIX}/prod/` });
  });

  it('reads the selected route of REQUEST and HTTP API events', () => {
    expect(extractRequest(restRequestEvent('x')).selectedResource).toBe('/orders/{id}');
    expect(extractRequest(httpApiEvent('x')).selectedResource).toBe('/orders/{id}');
    expect(extractRequest(httpApiEvent('x', { routeKey: '$default' })).selectedResource).toBeUndefined();
    expect(extractRequest(websocketEvent('x')).arn).toMatchObject({ method: '$connect', stage: 'dev' });
  });

  it('flags a requestContext.stage that disagrees with the ARN', () => {
    const event = restRequestEvent('x', { stage: 'dev' });
    expect(extractRequest(event).stageConsistent).toBe(true);
    (event['requestContext'] as Record<string, unknown>)['stage'] = 'prod';
    expect(extractRequest(event).stageConsistent).toBe(false);
  });

  it.each([
    ['no ARN', { type: 'TOKEN', authorizationToken: 'x' }],
    ['a non execute-api ARN', { type: 'TOKEN', methodArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' }],
    ['an ARN without a method', { type: 'TOKEN', methodArn: `${ACCOUNT_PREFIX}/dev` }],
    ['an ARN with a bogus method', { type: 'TOKEN', methodArn: `${ACCOUNT_PREFIX}/dev/FETCH/x` }],
  ])('500 for %s', (_name, event) => {
    expect(codeOf(() => extractRequest(event))).toBe('EVENT_INVALID');
  });
});

describe('DPoP credentials and the DPoP header', () => {
  it('reads the DPoP scheme case-insensitively beside Bearer', async () => {
        expect(extractCredentials(`DPoP ${JWT}`)).toEqual({ scheme: 'DPoP', token: JWT });
    expect(extractCredentials(`dpop ${JWT}`)).toEqual({ scheme: 'DPoP', token: JWT });
    expect(extractCredentials(`bearer ${JWT}`)).toEqual({ scheme: 'Bearer', token: JWT });
    expect(codeOf(() => extractCredentials(`DPoP  ${JWT}`))).toBe('TOKEN_MALFORMED');
    expect(codeOf(() => extractTokenCredentials(restTokenEvent(`DPoP ${JWT}`)))).toBe('SCHEME_NOT_ALLOWED');
    expect(extractTokenCredentials(restRequestEvent(`DPoP ${JWT}`))).toEqual({ scheme: 'DPoP', token: JWT });
  });

  it('takes exactly one DPoP value of at most 8 KiB', async () => {
    const { extractDpopProof } = await import('../../lib/extract-request.js');
    const withDpop = (values: string[]) => {
      const event = restRequestEvent(`DPoP ${JWT}`);
      (event['headers'] as Record<string, string>)['DPoP'] = values.at(-1)!;
      (event['multiValueHeaders'] as Record<string, string[]>)['DPoP'] = values;
      return event;
    };
    expect(extractDpopProof(withDpop([JWT]), 'rest-request')).toBe(JWT);
    expect(codeOf(() => extractDpopProof(restRequestEvent(`DPoP ${JWT}`), 'rest-request'))).toBe('DPOP_PROOF_MISSING');
    expect(codeOf(() => extractDpopProof(withDpop(['']), 'rest-request'))).toBe('DPOP_PROOF_MISSING');
    expect(codeOf(() => extractDpopProof(withDpop([JWT, JWT]), 'rest-request'))).toBe('DPOP_PROOF_AMBIGUOUS');
    expect(codeOf(() => extractDpopProof(withDpop([`${JWT},${JWT}`]), 'rest-request'))).toBe('DPOP_PROOF_AMBIGUOUS');
    expect(codeOf(() => extractDpopProof(withDpop([`${'a'.repeat(8190)}.b.c`]), 'rest-request'))).toBe('DPOP_PROOF_TOO_LARGE');
    expect(codeOf(() => extractDpopProof(withDpop([`${JWT} `]), 'rest-request'))).toBe('DPOP_PROOF_MALFORMED');
    expect(codeOf(() => extractDpopProof(withDpop([`Bearer ${JWT}`]), 'rest-request'))).toBe('DPOP_PROOF_MALFORMED');
    expect(codeOf(() => extractDpopProof(restTokenEvent(`DPoP ${JWT}`), 'rest-token'))).toBe('DPOP_PROOF_MISSING');
  });
});
