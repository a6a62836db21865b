import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.js';
import { testEnv } from '../helpers/fixtures.js';

const env = (overrides: Record<string, string | undefined>) => testEnv('https://issuer.test/jwks', { REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: undefined, ...overrides });

describe('DPoP configuration', () => {
  it('defaults: off, ES256,Ed25519,EdDSA,PS256,RS256, 60 s, no origins', () => {
    const { dpop, replayTableName } = parseConfig(env({}));
    expect(dpop.mode).toBe('off');
    expect([...dpop.algorithms]).toEqual(['ES256', 'Ed25519', 'EdDSA', 'PS256', 'RS256']);
    expect(dpop.proofMaxAgeSeconds).toBe(60);
    expect(dpop.origins).toBeUndefined();
    expect(replayTableName).toBeUndefined();
  });

  it('reads every variable', () => {
    const { dpop, replayTableName } = parseConfig(
      env({ DPOP_MODE: 'required', DPOP_ALGORITHMS: 'ES256, Ed25519', DPOP_PROOF_MAX_AGE_SECONDS: '300', DPOP_ORIGINS: 'https://API.example.com:443, https://cdn.example.net:8443', REPLAY_TABLE_NAME: 'replay' }),
    );
    expect(dpop).toMatchObject({ mode: 'required', proofMaxAgeSeconds: 300 });
    expect([...dpop.algorithms]).toEqual(['ES256', 'Ed25519']);
    expect([...dpop.origins!]).toEqual(['https://api.example.com', 'https://cdn.example.net:8443']);
    // Proof records need the table even with replay protection off.
    expect(replayTableName).toBe('replay');
  });

  it.each([
    [{ DPOP_MODE: 'on', REPLAY_TABLE_NAME: 'replay' }, 'DPOP_MODE: must be "off", "allowed" or "required"'],
    [{ DPOP_MODE: 'allowed' }, 'REPLAY_TABLE_NAME: is required when DPOP_MODE is not off'],
    [{ DPOP_ALGORITHMS: 'HS256' }, 'DPOP_ALGORITHMS: "HS256" is refused'],
    [{ DPOP_ALGORITHMS: 'ES256K' }, 'DPOP_ALGORITHMS: "ES256K" is not supported'],
    [{ DPOP_ALGORITHMS: ' , ' }, 'DPOP_ALGORITHMS: must list at least one algorithm'],
    [{ DPOP_PROOF_MAX_AGE_SECONDS: '0' }, 'DPOP_PROOF_MAX_AGE_SECONDS: must be a whole number from 1 to 300'],
    [{ DPOP_PROOF_MAX_AGE_SECONDS: '301' }, 'DPOP_PROOF_MAX_AGE_SECONDS: must be a whole number from 1 to 300'],
    [{ DPOP_PROOF_MAX_AGE_SECONDS: '1.5' }, 'DPOP_PROOF_MAX_AGE_SECONDS: must be a whole number from 1 to 300'],
    [{ DPOP_ORIGINS: 'http://api.example.com' }, 'DPOP_ORIGINS: "http://api.example.com" must use https:'],
    [{ DPOP_ORIGINS: 'https://api.example.com/v1' }, 'DPOP_ORIGINS: "https://api.example.com/v1" must be an origin only'],
    [{ DPOP_ORIGINS: 'https://u:p@api.example.com' }, 'must be an origin only'],
    [{ DPOP_ORIGINS: 'api.example.com' }, 'DPOP_ORIGINS: "api.example.com" is not a URL'],
  ])('%j → %s', (overrides, message) => {
    expect(() => parseConfig(env(overrides))).toThrow(message);
  });
});
