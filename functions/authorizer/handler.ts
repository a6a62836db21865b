/**
 * The Lambda entry point. Reads the environment once at cold start; an invalid environment stops the
 * function at init with one message naming the variable.
 */
import { createAuthorizer } from './create-authorizer.js';

/** The API Gateway Lambda authorizer. */
export const handler = createAuthorizer({ env: process.env });
