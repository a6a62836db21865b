/**
 * One key source per trusted issuer (design §9); the composition root creates and prefetches each at init. Each has its own
 * cache and unknown-`kid` cooldown, so a flood of tokens naming one issuer never costs another a fetch,
 * and a key of one issuer is never a candidate for a token naming another.
 */
import type { IssuerConfig } from './issuers-config.js';
import type { KeySource } from './key-source.js';

/** Builds the key source of one issuer (the composition root decides which kind). */
export type KeySourceFactory = (issuer: IssuerConfig) => KeySource;

/** The key sources of the configured issuers, by exact issuer string. */
export class IssuerKeys {
  private readonly sources = new Map<string, KeySource>();

  constructor(private readonly create: KeySourceFactory) {}

  /** The issuer's key source, created on first use (the composition root does that at init). */
  for(issuer: IssuerConfig): KeySource {
    let source = this.sources.get(issuer.issuer);
    if (!source) {
      source = this.create(issuer);
      this.sources.set(issuer.issuer, source);
    }
    return source;
  }

  /** How many issuers have a key source so far (for tests: creation is lazy). */
  get size(): number {
    return this.sources.size;
  }
}
