// A map that holds a bounded number of entries: what a process recalls for many keys (verified
// credentials, prepared statements) never grows without end.

/** A Map of at most `most` entries: when full, the one added first goes. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly most: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.most && !this.has(key)) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}
