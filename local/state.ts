/**
 * What a running `npm start` tells the other local tools: `<data-dir>/stack.json` (issuer URL, endpoints,
 * pid) and a lock file so two stacks never share one data directory (dynalite's LevelDB cannot).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { LocalError, codeOf } from './errors.js';
import { dataPaths } from './settings.js';

export interface StackState {
  readonly pid: number;
  readonly gateway: string;
  readonly issuer: string;
  readonly jwksUri: string;
  /** The second local issuer (absent in the state of older stacks). */
  readonly second?: { readonly issuer: string; readonly jwksUri: string };
  readonly dynamoEndpoint: string;
  readonly replayTable: string;
  readonly replayProtection: 'single-use' | 'off';
  /** Absent in state files of older versions. */
  readonly revocation?: 'on' | 'off';
  readonly event: string;
  readonly upstream: string;
  /** The `--env-file` the stack runs with, so `npm run invoke` uses the same configuration. */
  readonly envFile?: string;
  readonly fn?: string;
  /** The route table in force (from --openapi or the demo table), so `npm run invoke` uses the same. */
  readonly routes?: readonly { readonly route: string; readonly scopes: readonly string[] }[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return codeOf(err) === 'EPERM';
  }
}

/** Takes the data directory for this process; throws when another live stack holds it. */
export function acquireLock(dataDir: string): () => void {
  const { dir, lock } = dataPaths(dataDir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new LocalError(`cannot create the data directory ${dir} (${codeOf(err) ?? (err as Error).message})`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') throw new LocalError(`cannot write ${lock} (${codeOf(err) ?? (err as Error).message})`);
      const pid = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new LocalError(`another local stack (pid ${pid}) is already using ${dir}; stop it first or pass --data-dir <other folder>`);
      }
      rmSync(lock, { force: true }); // stale: its process is gone
    }
  }
  throw new LocalError(`cannot take the lock ${lock}`);
}

export function writeState(dataDir: string, state: StackState): void {
  writeFileSync(dataPaths(dataDir).state, `${JSON.stringify(state, null, 2)}\n`);
}

export function removeState(dataDir: string): void {
  rmSync(dataPaths(dataDir).state, { force: true });
  rmSync(dataPaths(dataDir).env, { force: true });
}

/** The state of the stack running on this data directory, or `undefined` when none is running. */
export function runningStack(dataDir: string): StackState | undefined {
  let state: StackState;
  try {
    state = JSON.parse(readFileSync(dataPaths(dataDir).state, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
  return typeof state.pid === 'number' && alive(state.pid) ? state : undefined;
}
