/**
 * Threat: a low-privilege caller pins every call to the Lambda timeout. With REPLAY_PROTECTION=off the
 * authorizer evaluates the token's wide policy against the caller's own path; a backtracking matcher
 * took 3–9 s per decision on a 4,006-character path (issue 11, item 1).
 * Attacker: a legitimate token with scope `files` and a long path of short segments.
 * Defences: iam-evaluate.ts (linear matcher, `matcherWork` counts its steps), decide.ts (paths over
 * MAX_PATH_LENGTH are denied before any policy is evaluated). No clock here: the bound is on steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matcherWork, type PolicyLike } from '../../lib/iam-evaluate.js';
import { MAX_PATH_LENGTH } from '../../lib/routes.js';
import { claims, restRequestEvent, restTokenEvent, testAuthorizer, testEnv } from '../helpers/fixtures.js';
import { generateKey } from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { expectDecision, forge, requestArn } from './support.js';

const key = generateKey('ES256', 'cost-key');
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer([key.publicJwk]);
});
afterAll(async () => jwks.close());

const bearer = (scope: string) => `Bearer ${forge(key, { alg: 'ES256', kid: key.kid, typ: 'JWT' }, claims({ scope }))}`;
const FILES = [
  { route: 'ANY /files/{proxy+}', scopes: ['files'] },
  { route: 'GET /files/{a}/{b}/{c}/meta', scopes: ['admin'] },
];
const REPORT = [
  { route: 'ANY /{proxy+}', scopes: ['files'] },
  { route: 'GET /{t}/{p}/{e}/report', scopes: ['admin'] },
];
const env = (routes: unknown) => testEnv(jwks.url, { REPLAY_PROTECTION: 'off', ROUTE_PERMISSIONS: JSON.stringify(routes) });

/** `prefix` followed by `/a` segments up to exactly `length` characters. */
function longPath(prefix: string, length: number, suffix = ''): string {
  let path = prefix;
  while (path.length + suffix.length < length) path += '/a';
  return path.slice(0, length - suffix.length).replace(/\/$/, 'b') + suffix;
}

/** Runs one decision and returns the matcher steps it took. */
async function measured(run: () => Promise<unknown>): Promise<number> {
  const before = matcherWork.steps;
  await run();
  return matcherWork.steps - before;
}

/** Linear: a few passes over the ARN per resource pattern of the policy. */
function bound(policy: PolicyLike, arn: string): number {
  const patterns = policy.Statement.flatMap((s) => (s as { Resource: string[] }).Resource);
  return patterns.reduce((sum, p) => sum + 2 * (arn.length + p.length), 0);
}

describe('policy evaluation costs steps linear in the path (REPLAY_PROTECTION=off)', () => {
  const cases: [string, unknown, string, string][] = [
    ['files table, 4,006 characters', FILES, longPath('/files', 4006), '/files/{proxy+}'],
    ['files table, 4,006 characters ending in /meta', FILES, longPath('/files', 4006, '/meta'), '/files/{proxy+}'],
    ['report table, 806 characters', REPORT, longPath('', 806), '/{proxy+}'],
    ['report table, 806 characters ending in /report', REPORT, longPath('', 806, '/report'), '/{proxy+}'],
    ['report table, 4,096 characters ending in /report', REPORT, longPath('', MAX_PATH_LENGTH, '/report'), '/{proxy+}'],
  ];
  for (const [name, routes, path, resource] of cases) {
    for (const kind of ['rest-token', 'rest-request'] as const) {
      it(`${kind}, ${name}: allowed (the proxy route), within the step bound`, async () => {
        expect(path.length).toBe(name.includes('4,096') ? MAX_PATH_LENGTH : Number(name.match(/([\d,]+) characters/)![1]!.replace(',', '')));
        const a = testAuthorizer({ env: env(routes) });
        const event = kind === 'rest-token' ? restTokenEvent(bearer('files'), 'dev', 'GET', path) : restRequestEvent(bearer('files'), { path, resource });
        let result: Awaited<ReturnType<typeof expectDecision>> | undefined;
        const steps = await measured(async () => {
          result = await expectDecision(a, event, 'allow', 'OK');
        });
        const policy = (result!.response as { policyDocument: PolicyLike }).policyDocument;
        // `expectDecision` evaluated the policy once more (against the ARN) to classify the outcome.
        expect(steps).toBeLessThanOrEqual(2 * bound(policy, requestArn(event)!));
      });
    }
  }

  it('the admin route in the files table is still forbidden to a `files` token', async () => {
    const a = testAuthorizer({ env: env(FILES) });
    const path = `/files/a/b/${'c'.repeat(3000)}/meta`;
    await expectDecision(a, restTokenEvent(bearer('files'), 'dev', 'GET', path), 'forbidden', 'SCOPE_MISSING');
    await expectDecision(a, restRequestEvent(bearer('files'), { path, resource: '/files/{a}/{b}/{c}/meta' }), 'forbidden', 'SCOPE_MISSING');
  });

  it(`a path longer than ${MAX_PATH_LENGTH} characters is denied before any policy is evaluated`, async () => {
    const a = testAuthorizer({ env: env(FILES) });
    const path = longPath('/files', MAX_PATH_LENGTH + 1);
    for (const event of [restTokenEvent(bearer('files'), 'dev', 'GET', path), restRequestEvent(bearer('files'), { path, resource: '/files/{proxy+}' })]) {
      await expectDecision(a, event, 'forbidden', 'ROUTE_NOT_FOUND');
    }
    // An unverified token with a long path stays a 401: the path bound comes after the token (design §3).
    await expectDecision(a, restTokenEvent('Bearer a.b.c', 'dev', 'GET', path), 'unauthorized');
  });
});
