/** REVOCATION in the config, and the record format both the authorizer and `npm run revoke` use. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.js';
import { revokedJtiKey, revokedSubKey } from '../../lib/replay-store.js';
import { revocationItem, revocationQuery } from '../../lib/revocation.js';

const base = {
  JWT_ISSUER: 'https://issuer.example.com',
  AUDIENCE_BY_STAGE: '{"dev":"api-dev"}',
  ROUTE_PERMISSIONS: '[{"route":"GET /orders/{id}","scopes":["orders:read"]}]',
};
const LIMITS = { maxTokenLifetimeSeconds: 3600, clockSkewSeconds: 30 };

describe('REVOCATION', () => {
  it('defaults to off; off with replay off needs no table and keeps none', () => {
    const config = parseConfig({ ...base, REPLAY_PROTECTION: 'off', REPLAY_TABLE_NAME: 'replay' });
    expect(config.revocation).toBe('off');
    expect(config.replayTableName).toBeUndefined();
  });

  it('on needs REPLAY_TABLE_NAME, naming both variables', () => {
    expect(() => parseConfig({ ...base, REPLAY_PROTECTION: 'off', REVOCATION: 'on' })).toThrow(
      'Invalid configuration: REPLAY_TABLE_NAME: is required when REVOCATION is on',
    );
  });

  it('on keeps the table name with replay off, and with single-use', () => {
    expect(parseConfig({ ...base, REPLAY_PROTECTION: 'off', REVOCATION: 'on', REPLAY_TABLE_NAME: 'replay' })).toMatchObject({ revocation: 'on', replayTableName: 'replay' });
    expect(parseConfig({ ...base, REVOCATION: 'on', REPLAY_TABLE_NAME: 'replay' })).toMatchObject({ revocation: 'on', replayProtection: 'single-use', replayTableName: 'replay' });
  });

  it('refuses anything but off or on', () => {
    for (const value of ['true', 'ON', '1', '']) {
      expect(() => parseConfig({ ...base, REPLAY_TABLE_NAME: 'replay', REVOCATION: value })).toThrow('REVOCATION: must be "off" or "on"');
    }
  });
});

describe('revocation records', () => {
  it('a jti record: key sha256("revoked-jti", iss, jti), expiresAt = now + lifetime + 2 × skew, no notBefore, no raw jti', () => {
    const record = revocationItem(LIMITS, { kind: 'jti', issuer: 'https://i', value: 'the-jti', notBefore: 5, now: 1000 });
    expect(record.key).toBe(revokedJtiKey('https://i', 'the-jti'));
    expect(record.item).toEqual({ pk: { S: record.key }, expiresAt: { N: '4660' }, kind: { S: 'revoked-jti' }, revokedAt: { N: '1000' } });
    expect(JSON.stringify(record.item)).not.toContain('the-jti');
  });

  it('a subject record: key sha256("revoked-sub", iss, sub), notBefore, expiresAt = notBefore + lifetime + skew, no raw sub', () => {
    const record = revocationItem(LIMITS, { kind: 'sub', issuer: 'https://i', value: 'alice@example.com', notBefore: 900, now: 1000 });
    expect(record.key).toBe(revokedSubKey('https://i', 'alice@example.com'));
    expect(record.item).toEqual({ pk: { S: record.key }, expiresAt: { N: '4530' }, notBefore: { N: '900' }, kind: { S: 'revoked-sub' }, revokedAt: { N: '1000' } });
    expect(JSON.stringify(record.item)).not.toContain('alice');
  });

  it('keys separate issuers and kinds', () => {
    const keys = new Set([revokedJtiKey('a', 'x'), revokedJtiKey('b', 'x'), revokedSubKey('a', 'x'), revokedSubKey('b', 'x'), revokedJtiKey('a|', 'x'), revokedJtiKey('a', '|x')]);
    expect(keys.size).toBe(6);
  });

  it('the query the authorizer sends uses the same keys', () => {
    const q = revocationQuery({ iss: 'https://i', jti: 'j', sub: 's', iat: 77 });
    expect(q).toEqual({
      jtiKey: revocationItem(LIMITS, { kind: 'jti', issuer: 'https://i', value: 'j', notBefore: 0, now: 0 }).key,
      subKey: revocationItem(LIMITS, { kind: 'sub', issuer: 'https://i', value: 's', notBefore: 0, now: 0 }).key,
      iat: 77,
    });
  });
});
