import { describe, expect, it } from 'vitest';
import { htuMatches, normalizeHtu, requestTarget, type RequestTarget } from '../../lib/htu.js';
import { httpDpopEvent, restDpopEvent, websocketDpopEvent } from '../helpers/dpop.js';

const D = 'api.example.com';
const raw = (path: string, origin = `https://${D}`): RequestTarget => ({ origin, path, encoding: 'raw' });
const decoded = (path: string, origin = `https://${D}`): RequestTarget => ({ origin, path, encoding: 'decoded' });

describe('normalizeHtu (RFC 3986 §6.2.2–6.2.3)', () => {
  it.each([
    ['HTTPS://API.Example.COM/a', 'https://api.example.com', '/a'],
    ['https://api.example.com:443/a', 'https://api.example.com', '/a'],
    ['https://api.example.com:8443/a', 'https://api.example.com:8443', '/a'],
    ['https://api.example.com', 'https://api.example.com', '/'],
    ['https://api.example.com/a/./b/../c', 'https://api.example.com', '/a/c'],
    ['https://api.example.com/%7euser/%2e%2e/x', 'https://api.example.com', '/x'],
    ['https://api.example.com/a%2fb%c3%a9', 'https://api.example.com', '/a%2Fb%C3%A9'],
    ['https://api.example.com/a?q=1#f', 'https://api.example.com', '/a'],
  ])('%s', (htu, origin, path) => {
    expect(normalizeHtu(htu)).toEqual({ origin, path });
  });

  it.each(['http://api.example.com/a', 'https://user:pw@api.example.com/a', 'https://api.example.com/a b', 'https://api.example.com\\a', 'https://api.example.com/%zz', '/relative', 'https:///a', 'https://api.example.com/é'])(
    'refuses %s',
    (htu) => {
      expect(normalizeHtu(htu)).toBeUndefined();
    },
  );
});

describe('htuMatches', () => {
  it('raw paths compare after normalization, %2F kept apart from /', () => {
    expect(htuMatches('https://api.example.com/dev/a%2Fb', raw('/dev/a%2fb'), undefined)).toBe(true);
    expect(htuMatches('https://api.example.com/dev/a/b', raw('/dev/a%2Fb'), undefined)).toBe(false);
    expect(htuMatches('https://api.example.com/dev/a%2Fb', raw('/dev/a/b'), undefined)).toBe(false);
    expect(htuMatches('https://api.example.com/dev/~x', raw('/dev/%7Ex'), undefined)).toBe(true);
    expect(htuMatches('https://api.example.com/dev/a', raw('/dev/a b'), undefined)).toBe(false);
  });
  it('decoded paths: a proof naming %2F never matches; other escapes compare decoded', () => {
    expect(htuMatches('https://api.example.com/a%2Fb', decoded('/a/b'), undefined)).toBe(false);
    expect(htuMatches('https://api.example.com/a%2Fb', decoded('/a%2Fb'), undefined)).toBe(false);
    expect(htuMatches('https://api.example.com/caf%C3%A9/x%20y', decoded('/café/x y'), undefined)).toBe(true);
    expect(htuMatches('https://api.example.com/a/b', decoded('/a/../a/b'), undefined)).toBe(false);
  });
  it('the origin is the event domain, or one of DPOP_ORIGINS instead', () => {
    expect(htuMatches('https://other.example.com/a', raw('/a'), undefined)).toBe(false);
    expect(htuMatches('https://api.example.com/a', { origin: undefined, path: '/a', encoding: 'raw' }, undefined)).toBe(false);
    const origins = new Set(['https://cdn.example.net']);
    expect(htuMatches('https://cdn.example.net/a', raw('/a'), origins)).toBe(true);
    expect(htuMatches('https://api.example.com/a', raw('/a'), origins)).toBe(false);
  });
});

describe('requestTarget', () => {
  it('REST REQUEST: requestContext.path (stage or base path included), raw', () => {
    expect(requestTarget(restDpopEvent('t', 'p', { domainName: D }), 'rest-request', 'dev')).toEqual({ origin: `https://${D}`, path: '/dev/orders/42', encoding: 'raw' });
    expect(requestTarget(restDpopEvent('t', 'p', { domainName: D, clientPath: '/v1/orders/42' }), 'rest-request', 'dev')?.path).toBe('/v1/orders/42');
  });
  it('HTTP API: rawPath, decoded, and it must agree with requestContext.http.path', () => {
    const event = httpDpopEvent('t', 'p', { domainName: D, stage: 'dev' });
    expect(requestTarget(event, 'http-api', 'dev')).toEqual({ origin: `https://${D}`, path: '/dev/orders/42', encoding: 'decoded' });
    ((event['requestContext'] as Record<string, unknown>)['http'] as Record<string, unknown>)['path'] = '/dev/other';
    expect(requestTarget(event, 'http-api', 'dev')).toBeUndefined();
  });
  it('WebSocket $connect: /<stage>', () => {
    expect(requestTarget(websocketDpopEvent('t', 'p', { domainName: D }), 'websocket', 'dev')).toEqual({ origin: `https://${D}`, path: '/dev', encoding: 'raw' });
  });
  it('a domain that is not a bare host gives no origin', () => {
    expect(requestTarget(restDpopEvent('t', 'p', { domainName: 'evil.com/x' }), 'rest-request', 'dev')?.origin).toBeUndefined();
  });
});
