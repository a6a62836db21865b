/**
 * Checked JWS headers by their exact base64url text, per config. A signer's headers repeat byte for byte
 * and a header check is a pure function of that text and the config, so a repeat skips decoding and
 * checking it. Only accepted headers are stored; a full map is cleared, so a flood of distinct headers
 * costs what it costs without the cache.
 */
export class HeaderCache<C extends object, V> {
  private readonly byConfig = new WeakMap<C, Map<string, V>>();

  /** @param maxEntries bound per config */
  constructor(private readonly maxEntries: number) {}

  /** The checked value of a header text, when it passed before under this config. */
  get(config: C, header: string): V | undefined {
    return this.byConfig.get(config)?.get(header);
  }

  /** Remembers a header that passed; returns the value. */
  set(config: C, header: string, value: V): V {
    let map = this.byConfig.get(config);
    if (!map) this.byConfig.set(config, (map = new Map()));
    if (map.size >= this.maxEntries) map.clear();
    map.set(header, value);
    return value;
  }
}
