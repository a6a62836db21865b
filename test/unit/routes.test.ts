import { describe, expect, it } from 'vitest';
import { buildRouteTable } from '../../lib/routes.js';
import { permits, readScopes } from '../../lib/scopes.js';

const table = buildRouteTable([
  { route: 'ANY /{proxy+}', scopes: ['any'] },
  { route: 'GET /orders/{id}', scopes: ['orders:read'] },
  { route: 'ANY /orders/{id}', scopes: ['orders:any'] },
  { route: 'GET /orders/admin', scopes: ['admin'] },
  { route: 'GET /orders/{id}/{proxy+}', scopes: ['deep'] },
  { route: 'GET /', scopes: ['root'] },
  { route: '$connect', scopes: ['chat'] },
]);

const keyOf = (method: string, path: string) => table.match(method, path)?.key;

describe('route matching (most specific, as API Gateway ranks)', () => {
  it('prefers literals over parameters over proxies', () => {
    expect(keyOf('GET', '/orders/admin')).toBe('GET /orders/admin');
    expect(keyOf('GET', '/orders/42')).toBe('GET /orders/{id}');
    expect(keyOf('GET', '/orders/42/items')).toBe('GET /orders/{id}/{proxy+}');
    expect(keyOf('GET', '/other/x')).toBe('ANY /{proxy+}');
  });

  it('prefers a named method over ANY', () => {
    expect(keyOf('GET', '/orders/1')).toBe('GET /orders/{id}');
    expect(keyOf('DELETE', '/orders/1')).toBe('ANY /orders/{id}');
  });

  it('matches literals case-sensitively and never empty segments', () => {
    expect(keyOf('GET', '/orders/ADMIN')).toBe('GET /orders/{id}');
    expect(keyOf('GET', '/orders//admin')).toBeUndefined();
    expect(keyOf('GET', '/orders/admin/')).toBeUndefined();
    expect(keyOf('GET', '//orders')).toBeUndefined();
    expect(keyOf('GET', 'orders')).toBeUndefined();
  });

  it('matches the root and $connect', () => {
    expect(keyOf('GET', '/')).toBe('GET /');
    expect(keyOf('POST', '/')).toBeUndefined();
    expect(keyOf('$connect', '/')).toBe('$connect');
  });

  it('finds the entry API Gateway selected, by shape and method', () => {
    expect(table.selected('GET', '/orders/{orderId}')?.key).toBe('GET /orders/{id}');
    expect(table.selected('PUT', '/orders/{id}')?.key).toBe('ANY /orders/{id}');
    expect(table.selected('GET', '/nope')).toBeUndefined();
    expect(table.selected('GET', 'garbage')).toBeUndefined();
  });
});

describe('scopes', () => {
  it('come from the configured claims only, as strings or arrays', () => {
    expect([...readScopes({ scope: 'a b  c', scp: ['d'] }, ['scope', 'scp'])]).toEqual(['a', 'b', 'c', 'd']);
    expect([...readScopes({ scope: 'a', roles: ['admin'], role: 'admin', groups: ['admin'] }, ['scope', 'scp'])]).toEqual(['a']);
    expect([...readScopes({ scp: 'x' }, ['scope'])]).toEqual([]);
  });

  it('refuse a scope claim of another type', () => {
    expect(() => readScopes({ scope: 42 }, ['scope'])).toThrow(/scope must be/);
    expect(() => readScopes({ scp: ['a', 1] }, ['scp'])).toThrow(/scp must be/);
  });

  it('match exactly: admin is not admin:read and not notadmin', () => {
    const admin = table.match('GET', '/orders/admin')!;
    expect(permits(admin, readScopes({ scope: 'admin:read notadmin Admin' }, ['scope']))).toBe(false);
    expect(permits(admin, readScopes({ scope: 'admin' }, ['scope']))).toBe(true);
  });

  it('require every scope of the entry', () => {
    const multi = buildRouteTable([{ route: 'GET /x', scopes: ['a', 'b'] }]).routes[0]!;
    expect(permits(multi, new Set(['a']))).toBe(false);
    expect(permits(multi, new Set(['a', 'b']))).toBe(true);
  });

  it('ignore inherited properties', () => {
    const payload = JSON.parse('{"__proto__":{"scope":"admin"}}') as Record<string, unknown>;
    expect([...readScopes(payload, ['scope'])]).toEqual([]);
  });
});
