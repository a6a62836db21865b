/**
 * `npm run routes -- <openapi.yaml|json> [--scheme <name>] [--out <file>] [--check] [--table <file>] [--format text|json|sarif]`
 *
 * Without --check: prints ROUTE_PERMISSIONS (to stdout or --out), even when the document has findings.
 * With --check: prints the findings (stdout) and exits 1 when any is an error; --out still writes the table.
 * Exit 2: the document cannot be analysed (unreadable, invalid OpenAPI, no scheme to pick) or bad usage.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { analyzeOpenApi, hasErrors } from './analyze.js';
import { OpenApiError } from './document.js';
import { formatTable } from './format-table.js';
import { formatText, type Locate } from './format-text.js';
import { parseTable, type TableInput } from './lint-table.js';
import { loadOpenApi } from './load.js';
import { toSarif } from './sarif.js';

export const ROUTES_USAGE = `Usage: npm run routes -- <openapi.yaml|json> [options]

Prints ROUTE_PERMISSIONS for the JWT authorizer from an OpenAPI 3.0/3.1 document.

Options:
  --scheme <name>     the authorizer's security scheme (default: the one with x-amazon-apigateway-authorizer)
  --out <file>        write the table to this file instead of stdout
  --check             lint the document's security; exit 1 on any error finding
  --table <file>      with --check: compare a hand-written ROUTE_PERMISSIONS (JSON array) with the document
  --format <f>        with --check: text (default), json or sarif
  -h, --help          show this help

Exit codes: 0 ok, 1 error findings (--check), 2 usage error or a document that cannot be analysed.`;

/** Where the CLI writes. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

class UsageError extends Error {}

const FORMATS = ['text', 'json', 'sarif'] as const;

function parse(argv: readonly string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        scheme: { type: 'string' },
        out: { type: 'string' },
        check: { type: 'boolean', default: false },
        table: { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true as const };
  if (positionals.length !== 1) throw new UsageError(`expected exactly one OpenAPI document, got ${positionals.length}`);
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be text, json or sarif, got "${format}"`);
  if (!values.check && (values.format !== undefined || values.table !== undefined)) throw new UsageError('--format and --table need --check');
  return { help: false as const, file: positionals[0]!, scheme: values.scheme, out: values.out, check: values.check === true, table: values.table, format: format as (typeof FORMATS)[number] };
}

async function packageVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Runs the CLI; returns the exit code. */
export async function runRoutesCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const options = parse(argv);
    if (options.help) {
      io.stdout(`${ROUTES_USAGE}\n`);
      return 0;
    }
    const loaded = await loadOpenApi(options.file);
    let table: TableInput | undefined;
    if (options.table !== undefined) {
      let text: string;
      try {
        text = await readFile(options.table, 'utf8');
      } catch (err) {
        throw new OpenApiError(`cannot read ${options.table}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      table = parseTable(options.table, text);
    }
    const analysis = analyzeOpenApi(loaded, { scheme: options.scheme, table });
    const tableText = formatTable(analysis.routes);
    if (options.out !== undefined) await writeFile(options.out, tableText);

    if (!options.check) {
      if (options.out === undefined) io.stdout(tableText);
      const errors = analysis.findings.filter((f) => f.severity === 'error').length;
      if (analysis.findings.length > 0) {
        io.stderr(`routes: ${errors} error(s), ${analysis.findings.length - errors} warning(s) in ${options.file}; run with --check to see them\n`);
      }
      return 0;
    }
    const locate: Locate = (file, pointer) => (file === loaded.file ? loaded.locate(pointer) : file === table?.file ? table.locate?.(pointer) : undefined);
    if (options.format === 'sarif') io.stdout(`${JSON.stringify(toSarif(analysis, locate, await packageVersion()), null, 2)}\n`);
    else if (options.format === 'json') io.stdout(`${JSON.stringify({ file: analysis.file, scheme: analysis.scheme, routePermissions: analysis.routes, findings: analysis.findings, ignored: analysis.suppressed.length }, null, 2)}\n`);
    else io.stdout(formatText(analysis, locate));
    return hasErrors(analysis.findings) ? 1 : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`routes: ${err.message}\n\n${ROUTES_USAGE}\n`);
      return 2;
    }
    if (err instanceof OpenApiError) {
      io.stderr(`routes: ${err.message}\n`);
      return 2;
    }
    io.stderr(`routes: unexpected failure: ${(err as Error)?.stack ?? String(err)}\n`);
    return 2;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await runRoutesCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
  process.exitCode = code;
}
