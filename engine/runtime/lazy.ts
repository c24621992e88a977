// A batch whose rows are decoded only when something reads them. A source whose only consumers are sinks
// that copy each row's own bytes (NodeContext.bytesReaders === 'only': a JSON Kafka sink without key or
// headers, fed straight by a JSON Lines file) would otherwise build every row, string and Date just for
// the garbage collector: at ~200-byte events that decoding was ~40 % of the run's thread. Such a source
// checks each record (valid JSON, and exactly the text the sink writes) and hands over a LazyBatch instead.
//
// Nothing sees anything else than before: `rows` is an ordinary property whose first read decodes the
// whole batch, in order, with the same decoder (anything that reads rows, an operator, a spread
// `{...batch}`, a sink that needs keys, gets them as an eager batch would have had them). Only the
// runtime's counting and preview rings (ring.ts) and the sinks that copy bytes look at `count` and
// `bytes` without reading rows; previews decode their rows when a preview is asked for.
import type { Batch, Row, RowBytes } from './types.ts';

export class LazyBatch implements Batch {
  /** Decoded on first read (an own enumerable accessor, so a spread copies the decoded rows). */
  declare readonly rows: Row[];
  /** The rows' bytes where the source has them (Batch.bytes); `bytes.rows` is `rows`, decoded on read. */
  readonly bytes: RowBytes;
  #decoded: Row[] | undefined;

  /**
   * `decode` builds the `count` rows; it runs at most once, whenever rows are first read, so it must give
   * the same rows at any later time (it may only read the bytes, which nobody writes again).
   */
  constructor(
    readonly partition: string,
    readonly count: number,
    buffers: readonly (Uint8Array | undefined)[],
    starts: ArrayLike<number>,
    ends: ArrayLike<number>,
    decode: () => Row[],
    /** Rows the source decoded already (those without bytes, say), by index: read without decoding the rest. */
    private readonly known?: ReadonlyMap<number, Row>,
  ) {
    const rows = (): Row[] => {
      if (this.#decoded === undefined) {
        const built = decode();
        if (built.length !== count) throw new Error(`a lazy batch of ${count} rows decoded ${built.length}`);
        this.#decoded = built;
      }
      return this.#decoded;
    };
    Object.defineProperty(this, 'rows', { get: rows, enumerable: true });
    this.bytes = { get rows(): readonly Row[] { return rows(); }, buffers, starts, ends };
  }

  /**
   * Row i: the source's own row where it decoded it already (the very object `rows[i]` will hold), else
   * from `rows` (decoding the batch). A sink reads the rows it cannot copy this way.
   */
  rowAt(i: number): Row {
    return (this.#decoded?.[i] ?? this.known?.get(i) ?? this.rows[i]) as Row;
  }

  /** Whether rows were read (tests, and the bench's check that a bytes-only run decoded nothing). */
  get materialized(): boolean {
    return this.#decoded !== undefined;
  }
}

/** Rows in a batch, without decoding a LazyBatch. */
export function rowCount(batch: Batch): number {
  return batch instanceof LazyBatch ? batch.count : batch.rows.length;
}
