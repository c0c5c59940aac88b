// What the reads of one process may share for a short while: a value made from some tables' rows,
// kept until `lifetimeMs` passes (the bound for changes made by other processes) or this process
// commits a write to one of those tables.
import { StructType } from '../model/meta';
import { writesTo } from '../services/store/committed';
import { BoundedMap } from '../services/bounded-map';

interface Kept<V> {
  at: number;
  writes: number;
  value: Promise<V>;
}

export class SharedReads<V> {
  private readonly kept: BoundedMap<string, Kept<V>>;

  constructor(private readonly tables: readonly StructType[], private readonly lifetimeMs: number, most = 10_000) {
    this.kept = new BoundedMap(most);
  }

  /** The value kept for `key` while it is fresh, else the one `make` answers now. */
  get(key: string, make: () => Promise<V>): Promise<V> {
    // Counted before reading, so that a write committed during the read makes what it read stale.
    const writes = writesTo(this.tables);
    const found = this.kept.get(key);
    if (found && found.writes === writes && Date.now() - found.at < this.lifetimeMs) return found.value;
    const value = make();
    this.kept.set(key, { at: Date.now(), writes, value });
    value.catch(() => this.kept.delete(key));
    return value;
  }
}
