/**
 * How the local tools fail: one clear line on stderr and an exit code, never a stack trace.
 * `UsageError` (exit 2) is a bad command line; `LocalError` (exit 1) is anything else we can explain.
 */
export class LocalError extends Error {
  override readonly name: string = 'LocalError';
  readonly exitCode: number = 1;
}

export class UsageError extends LocalError {
  override readonly name = 'UsageError';
  override readonly exitCode = 2;
}

/** Prints `err` as one line (plus `usage` for usage errors) and exits. */
export function exitWith(err: unknown, usage?: string): never {
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n${usage ? `\n${usage}\n` : ''}`);
  } else if (err instanceof LocalError) {
    process.stderr.write(`error: ${err.message}\n`);
  } else {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(`error: unexpected failure: ${message}\n`);
  }
  process.exit(err instanceof LocalError ? err.exitCode : 1);
}

/** Node's error code, if any. */
export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
