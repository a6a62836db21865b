/**
 * `npm run revoke -- --jti <jti> | --sub <sub> [--before <time>] [--issuer <iss>] [--env-file <file>]`:
 * writes a revocation record (design §10). The work is in revoke-command.ts; this file is the process.
 */
import { exitWith } from './errors.js';
import { scriptArgs } from './script-args.js';
import { revoke } from './revoke-command.js';
import { REVOKE_USAGE } from './revoke-args.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
revoke(scriptArgs(), { env: process.env, now: Math.floor(Date.now() / 1000) }).then(
  (outcome) => {
    process.stdout.write(`${outcome === 'help' ? REVOKE_USAGE : outcome.message}\n`);
    process.exit(0);
  },
  (err: unknown) => exitWith(err),
);
