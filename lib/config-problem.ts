/**
 * How a variable's parser reports what is wrong: it throws a `Problem`, and the config schema turns it
 * into one issue naming the variable. Its own file so parsers of other features (DPoP) share it.
 */

/** Thrown inside a variable's parser: the first problem ends that variable's parsing. */
export class Problem {
  constructor(readonly message: string) {}
}

/** Ends the current variable's parsing with `message`. */
export function problem(message: string): never {
  throw new Problem(message);
}

/** A comma-separated list, each item trimmed, empty items dropped. */
export function commaList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
