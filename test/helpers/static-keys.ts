/** A key source over fixed public keys, for unit tests that do not need a JWKS server. */
import type { KeyObject } from 'node:crypto';
import { AuthError } from '../../lib/errors.js';
import type { KeySource } from '../../lib/key-source.js';
import type { TestKey } from './keys.js';

/** Looks keys up by `kid` (or returns all when there is none), like a JWKS would. */
export class StaticKeySource implements KeySource {
  constructor(private readonly keys: readonly TestKey[]) {}

  async keysFor(_alg: string, kid: string | undefined): Promise<readonly KeyObject[]> {
    const found = this.keys.filter((k) => kid === undefined || k.kid === kid).map((k) => k.publicKey);
    if (found.length === 0) throw new AuthError('KEY_NOT_FOUND');
    return found;
  }
}
