/** Captures everything written to process.stdout and process.stderr while each test of a file runs. */
import { afterEach, beforeEach, vi } from 'vitest';

/** Installs the capture hooks; the returned function gives what the current test wrote so far. */
export function captureStdio(): () => string {
  let written: string[] = [];
  beforeEach(() => {
    written = [];
    const grab = (chunk: unknown) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(grab as typeof process.stdout.write);
    vi.spyOn(process.stderr, 'write').mockImplementation(grab as typeof process.stderr.write);
  });
  afterEach(() => vi.restoreAllMocks());
  return () => written.join('');
}
