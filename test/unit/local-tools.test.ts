/** The local tools' small pieces: time options, environment files, hints, the bench report path. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsFile } from '../../bench/results-path.js';
import { readEnvFile } from '../../local/env-file.js';
import { LocalError, UsageError } from '../../local/errors.js';
import { dataDirFlag, moreTokensLine } from '../../local/hints.js';
import { scriptArgs } from '../../local/script-args.js';
import { joinSignedValues, parseTime, tokenTimes } from '../../local/time-options.js';
import { userAuthorizerEnv } from '../../local/user-env.js';

const NOW = 1_800_000_000;
const dir = mkdtempSync(join(tmpdir(), 'local-tools-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const BASE = {
  JWT_ISSUER: 'http://127.0.0.1:3001',
  AUDIENCE_BY_STAGE: '{"dev":"api-dev"}',
  ROUTE_PERMISSIONS: '[{"route":"GET /orders","scopes":["orders:read"]}]',
  REPLAY_PROTECTION: 'single-use',
  REPLAY_TABLE_NAME: 'replay',
};

describe('token time options', () => {
  it('reads relative, epoch and ISO times', () => {
    expect(parseTime('exp', '-60', NOW)).toBe(NOW - 60);
    expect(parseTime('nbf', '+600', NOW)).toBe(NOW + 600);
    expect(parseTime('iat', '1767225600', NOW)).toBe(1_767_225_600);
    expect(parseTime('exp', '2026-01-01T00:00:00Z', NOW)).toBe(1_767_225_600);
  });

  it.each(['', 'yesterday', '1.5', '+', '2026-13-45'])('refuses %j naming the option', (text) => {
    expect(() => parseTime('exp', text, NOW)).toThrow(UsageError);
    expect(() => parseTime('exp', text, NOW)).toThrow(/^--exp must be/);
  });

  it('builds iat, exp and nbf; ttl counts from iat; --ttl and --exp exclude each other', () => {
    const limits = { defaultTtl: 300, maxTtl: 3600 };
    expect(tokenTimes({}, NOW, limits)).toEqual({ iat: NOW, exp: NOW + 300 });
    expect(tokenTimes({ iat: '+600', ttl: '60' }, NOW, limits)).toEqual({ iat: NOW + 600, exp: NOW + 660 });
    expect(tokenTimes({ exp: '-60', nbf: '+10' }, NOW, limits)).toEqual({ iat: NOW, exp: NOW - 60, nbf: NOW + 10 });
    expect(() => tokenTimes({ exp: '-60', ttl: '60' }, NOW, limits)).toThrow('give --ttl or --exp, not both');
    expect(() => tokenTimes({ ttl: '-60' }, NOW, limits)).toThrow('for an expired token use --exp -60');
    expect(() => tokenTimes({ ttl: '3601' }, NOW, limits)).toThrow(UsageError);
  });

  it('lets a signed number follow a time option (parseArgs would refuse it), and nothing else', () => {
    expect(joinSignedValues(['--exp', '-60', '--nbf', '+5', '--sub', '-1', '--iat', 'x'])).toEqual(['--exp=-60', '--nbf=+5', '--sub', '-1', '--iat', 'x']);
  });
});

describe('npm script arguments', () => {
  it('drops the leading -- the npm scripts add, only that one', () => {
    expect(scriptArgs(['--', '--env-file', 'x'])).toEqual(['--env-file', 'x']);
    expect(scriptArgs(['a', '--', 'b'])).toEqual(['a', '--', 'b']);
    expect(scriptArgs([])).toEqual([]);
  });
});

describe('environment files', () => {
  it('a missing file is a usage error (exit 2) naming the option and the path', () => {
    const missing = join(dir, 'nope.json');
    expect(() => readEnvFile(missing, '--env-file')).toThrow(UsageError);
    expect(() => readEnvFile(missing, '--env-file')).toThrow(`--env-file ${missing}: no such file`);
    expect(() => readEnvFile(dir, '--env-file')).toThrow('is a directory');
  });

  it('reads SAM env.json (Parameters, then the function) and dotenv lines', () => {
    const sam = file('sam.json', JSON.stringify({ Parameters: { A: '1', B: '1' }, Fn: { B: '2', C: 3 } }));
    expect(readEnvFile(sam, '--env-file')).toEqual({ env: { A: '1', B: '2', C: '3' }, label: `${sam} (Fn)` });
    const two = file('two.json', JSON.stringify({ F1: {}, F2: {} }));
    expect(() => readEnvFile(two, '--env-file')).toThrow('choose one with --function');
    expect(readEnvFile(file('x.env', 'A=1\n# comment\nB="two words"\n'), '--env-file').env).toEqual({ A: '1', B: 'two words' });
    expect(() => readEnvFile(file('bad.json', '{nope'), '--env-file')).toThrow(LocalError);
  });

  it('npm start --env-file: the file\'s authorizer variables win, the stack keeps its own table, shell-only names are ignored', () => {
    const f = file('user.env', 'JWT_ALGORITHMS=ES256\nREPLAY_TABLE_NAME=prod-table\nHOME=/x\n');
    const { env, notes } = userAuthorizerEnv(BASE, f);
    expect(env['JWT_ALGORITHMS']).toBe('ES256');
    expect(env['REPLAY_TABLE_NAME']).toBe('replay');
    expect(env['HOME']).toBeUndefined();
    expect(notes.join('\n')).toContain('ignored from');
    expect(notes.join('\n')).toContain('HOME, REPLAY_TABLE_NAME');
  });

  it('npm start --env-file: a value the function refuses stops with the function\'s message', () => {
    const f = file('bad.env', 'CLOCK_SKEW_SECONDS=9999\n');
    expect(() => userAuthorizerEnv(BASE, f)).toThrow(/refuses the configuration from .*bad\.env: .*CLOCK_SKEW_SECONDS/);
    expect(() => userAuthorizerEnv(BASE, file('none.env', 'FOO=1\n'))).toThrow('sets none of the authorizer');
  });

  it('warns that local tokens will not verify against another issuer', () => {
    const { notes } = userAuthorizerEnv(BASE, file('iss.env', 'JWT_ISSUER=https://login.example.com\n'));
    expect(notes.join('\n')).toContain('ISSUER_MISMATCH');
  });
});

describe('npm start hints', () => {
  it('carry a non-default --data-dir, quoted when needed', () => {
    expect(dataDirFlag('.local')).toBe('');
    expect(moreTokensLine('/tmp/stack-1')).toMatch(/ --data-dir \/tmp\/stack-1$/);
    expect(dataDirFlag("my dir's")).toBe(` --data-dir 'my dir'\\''s'`);
  });
});

describe('npm run bench report path', () => {
  it('writes a git-ignored copy unless asked to update the committed one', () => {
    expect(resultsFile('/b', [], {})).toEqual({ file: join('/b', '.results', 'RESULTS.md'), committed: false });
    expect(resultsFile('/b', ['--quick', '--update-results'], {})).toEqual({ file: join('/b', 'RESULTS.md'), committed: true });
    expect(resultsFile('/b', [], { BENCH_UPDATE_RESULTS: '1' }).committed).toBe(true);
    expect(resultsFile('/b', [], { BENCH_UPDATE_RESULTS: '0' }).committed).toBe(false);
  });
});
