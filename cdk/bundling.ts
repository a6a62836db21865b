/**
 * How the authorizer function is bundled: one place, read by the construct (NodejsFunction) and by the
 * benchmark (esbuild directly), so the cold start measured is the cold start deployed. Plain values only:
 * importing this must not load aws-cdk-lib.
 */

/** The Node.js major version of the Lambda runtime (NODEJS_24_X) and so of the esbuild target. */
export const RUNTIME_NODE_MAJOR = 24;

/**
 * Defines `require` inside the ESM bundle so CommonJS dependencies that call `require('node:…')` work.
 * The alias avoids clashing with any `createRequire` the bundle itself imports.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __authorizerCreateRequire } from 'node:module'; const require = __authorizerCreateRequire(import.meta.url);";

/** The esbuild settings of the function bundle. */
export const AUTHORIZER_BUNDLING = {
  format: 'esm',
  target: `node${RUNTIME_NODE_MAJOR}`,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  /**
   * The map ships beside the bundle for debugging, but NODE_OPTIONS does not turn on source-map support
   * at run time: loading the map costs every cold start 15–30 ms, and the authorizer never logs a stack.
   */
  sourceMap: true,
  sourcesContent: false,
  /** Everything is bundled, the AWS SDK included: the pinned client is what runs, whatever the runtime ships. */
  externalModules: [] as string[],
} as const;
