/**
 * Reads a user's environment file for `npm start --env-file` and `npm run invoke --env-file`: either SAM's
 * `env.json` (`{ "<FunctionLogicalId>": { "VAR": "value" } }`, optional global `Parameters`) or a dotenv
 * file (`VAR=value` lines). A path that does not exist is a usage error (exit 2), reported by us.
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { LocalError, UsageError, codeOf } from './errors.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The variables of an environment file, and a label saying where they came from. */
export interface EnvFile {
  readonly env: Record<string, string>;
  readonly label: string;
}

function readText(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = codeOf(err);
    if (code === 'ENOENT') throw new UsageError(`${option} ${file}: no such file`);
    if (code === 'EISDIR') throw new UsageError(`${option} ${file}: is a directory, not a file`);
    throw new LocalError(`${option} ${file}: cannot read it (${code ?? (err as Error).message})`);
  }
}

/** The variables of one function from a SAM env.json (global `Parameters` first, then the function's). */
function fromSamJson(file: string, text: string, fn: string | undefined): EnvFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new LocalError(`environment file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObj(doc)) throw new LocalError(`${file} must map function ids to variables: { "<FunctionLogicalId>": { "VAR": "value" } }`);
  const functions = Object.keys(doc).filter((k) => k !== 'Parameters' && isObj(doc[k]));
  let name = fn;
  if (name === undefined) {
    if (functions.length !== 1) throw new UsageError(`${file} names ${functions.length ? `several functions (${functions.join(', ')})` : 'no function'}; choose one with --function`);
    name = functions[0]!;
  } else if (!functions.includes(name)) {
    throw new UsageError(`${file} has no function "${name}"; it has ${functions.join(', ') || 'none'}`);
  }
  const merged = { ...(isObj(doc['Parameters']) ? doc['Parameters'] : {}), ...(doc[name] as Record<string, unknown>) };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) if (v !== null && v !== undefined) env[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return { env, label: `${file} (${name})` };
}

/**
 * Reads `file`: JSON (SAM env.json) when it starts with `{`, else dotenv lines.
 * @param option the option's name for messages, e.g. `--env-file`
 * @param fn which function of a SAM file (needed when it names several)
 */
export function readEnvFile(file: string, option: string, fn?: string): EnvFile {
  const text = readText(file, option);
  if (text.trimStart().startsWith('{')) return fromSamJson(file, text, fn);
  return { env: { ...parseEnv(text) } as Record<string, string>, label: file };
}

/** Reads and parses a JSON file; failures name the file and what it was for. */
export function readJson(file: string, what: string): unknown {
  const text = readText(file, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LocalError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}
