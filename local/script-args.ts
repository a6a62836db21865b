/**
 * The command line of a local tool. Node 20 reads `--env-file <path>` anywhere on its command line, even
 * after the script name, and exits 9 with `node: <path>: not found` before our code runs. The npm scripts
 * therefore pass a `--` before the user's arguments (Node stops reading its own options there); this drops it.
 */
export function scriptArgs(argv: readonly string[] = process.argv.slice(2)): string[] {
  return argv[0] === '--' ? argv.slice(1) : [...argv];
}
