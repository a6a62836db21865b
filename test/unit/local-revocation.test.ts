/** The local stack's revocation settings: `npm start --revocation`, the environment it gives the handler and the env file. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.js';
import { parseStartArgs } from '../../local/args.js';
import { localAuthorizerEnv, localEnvFile } from '../../local/lambda-env.js';
import { LOCAL_ROUTES } from '../../local/routes.js';

const base = { issuer: 'http://127.0.0.1:3001', jwksUri: 'http://127.0.0.1:3001/.well-known/jwks.json', dynamoEndpoint: 'http://127.0.0.1:3002', routes: LOCAL_ROUTES };

describe('npm start --revocation', () => {
  it('defaults to off; on works with either replay mode (the local transaction shim serves single-use)', () => {
    expect(parseStartArgs([]).revocation).toBe('off');
    expect(parseStartArgs(['--replay', 'off', '--revocation', 'on']).revocation).toBe('on');
    expect(parseStartArgs(['--revocation', 'on'])).toMatchObject({ revocation: 'on', replay: 'single-use' });
    expect(() => parseStartArgs(['--replay', 'off', '--revocation', 'yes'])).toThrow('--revocation must be on or off, got "yes"');
  });

  it('gives the handler REVOCATION=on with the table and endpoint, a configuration the function accepts', () => {
    const env = localAuthorizerEnv({ ...base, replay: 'off', revocation: 'on' });
    expect(env).toMatchObject({ REVOCATION: 'on', REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: 'replay', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:3002' });
    expect(parseConfig(env)).toMatchObject({ revocation: 'on', replayTableName: 'replay' });
    expect(localAuthorizerEnv({ ...base, replay: 'off' })).not.toHaveProperty('REVOCATION');
  });

  it('writes the env file npm run revoke reads: the handler environment plus region and dummy credentials', () => {
    const env = localAuthorizerEnv({ ...base, replay: 'off', revocation: 'on' });
    const doc = JSON.parse(localEnvFile(env)) as { AuthorizerFunction: Record<string, string> };
    expect(doc.AuthorizerFunction).toEqual({ ...env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  });
});
