/** Runs `local/start.ts` (and the other local CLIs) as child processes for the end-to-end tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadKey } from '../../local/signing-key.js';
import { mintToken, type MintOptions } from '../../local/mint.js';

export const ROOT = resolve(import.meta.dirname, '../..');

/** What `npm start` prints on its READY line. */
export interface Ready {
  gateway: string;
  issuer: string;
  dynamodb: string | null;
  upstream: string;
  event: string;
  replay: string;
  pid: number;
}

export interface Stack {
  readonly ready: Ready;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** The `curl` lines of the startup output, as printed. */
  curls(): string[];
  /** A token from the stack's key and issuer; `stage` picks the audience. */
  token(opts?: Partial<MintOptions> & { stage?: 'dev' | 'prod' }): Promise<string>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Runs a local TypeScript entry point with tsx. */
export function runTs(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a CLI to completion. */
export function runToEnd(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = runTs(script, args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((res) => child.on('close', (code) => res({ code, stdout, stderr })));
}

const started: Stack[] = [];
const dirs: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'local-stack-'));
  dirs.push(dir);
  return dir;
}

/** Starts a stack on random ports in a fresh data directory; resolves once it prints READY. */
export async function startStack(extra: string[] = [], dataDir = tempDir()): Promise<Stack> {
  const child = runTs('local/start.ts', ['--port', '0', '--issuer-port', '0', '--dynamo-port', '0', '--data-dir', dataDir, ...extra]);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const ready = await new Promise<Ready>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no READY line within 20 s:\n${out}\n${err}`)), 20_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^READY (\{.*\})$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        res(JSON.parse(m[1]!) as Ready);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`start exited with ${code} before READY:\n${out}\n${err}`));
    });
  });
  const key = loadKey(join(dataDir, 'issuer-key.json'))!;
  const exited = new Promise<number | null>((res) => {
    if (child.exitCode !== null) res(child.exitCode);
    else child.on('exit', (code) => res(code));
  });
  const stack: Stack = {
    ready,
    dataDir,
    child,
    stdout: () => out,
    stderr: () => err,
    curls: () => out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('curl ')),
    token: ({ stage = 'dev', ...opts } = {}) =>
      mintToken(key, { issuer: ready.issuer, sub: 'e2e-user', scope: 'orders:read', aud: stage === 'dev' ? 'api-dev' : 'api-prod', ttl: 300, ...opts }),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  started.push(stack);
  return stack;
}

/** Stops every stack and removes the temporary folders (for afterAll). */
export async function cleanUp(): Promise<void> {
  await Promise.all(started.map((s) => s.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
