/**
 * Loads an OpenAPI 3.0 or 3.1 document (YAML or JSON) with Swagger Parser: validated against the
 * OpenAPI schema, every `$ref` resolved (local and relative files; never over the network).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { checkVersion, OpenApiError, type LoadedDocument } from './document.js';
import { lineLocator } from './locate.js';

/** Reads, validates and dereferences `file`; throws `OpenApiError` with the parser's reason. */
export async function loadOpenApi(file: string): Promise<LoadedDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new OpenApiError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let document: unknown;
  try {
    // A route table must not depend on what a remote server answers today.
    document = await SwaggerParser.validate(resolve(file), { resolve: { http: false } });
  } catch (err) {
    throw new OpenApiError(`${file} is not a valid OpenAPI document: ${firstLine((err as Error).message)}`);
  }
  checkVersion(file, document);
  return { file, document, locate: lineLocator(text) };
}

function firstLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.slice(0, 4).join(' ');
}
