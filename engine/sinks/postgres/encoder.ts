// COPY text of an append-only checkpoint interval, built as the rows arrive (sink.postgres write()), so the
// sink need not hold the rows until the barrier and the commit (or the live transaction, live.ts) only
// streams bytes. It is exactly what the commit would build from the staged rows: the same column types
// (inferColumns, folded batch by batch) and the same lines (copyLines as UTF-8; copy.ts writes them
// straight into bytes). A batch that brings a new column would change the column list of the lines
// already built; the encoder then gives up ("spoiled") and the commit builds from the staged rows.
//
// Each batch's bytes are also what the staging file keeps for it when they give the rows back exactly
// (add() returns them with the column names and types read them back by), instead of v8-serialising the
// rows a second time: a restore re-commits the staged bytes as they are (restore()), and the fallbacks that
// need rows decode them (decodeCopy).
import type { Row } from '../../runtime/types.ts';
import type { StagedEncoding, StagingCodec } from '../staging.ts';
import { CopyBytes, decodeCopy, foldKind, kindOfType, NULL, TEXT, TYPE_NAMES, valueKind } from './copy.ts';

/** What a staged COPY text record says about its bytes. */
interface CopyMeta {
  names: string[];
  types: string[];
}

/** Reads staged COPY text records back into rows (staging.ts). */
export const copyCodec: StagingCodec = {
  name: 'postgres-copy-text',
  decode(meta, bytes, rows) {
    const m = copyMeta(meta);
    return decodeCopy(bytes, m.names, m.types, rows);
  },
};

function copyMeta(meta: unknown): CopyMeta {
  const m = meta as Partial<CopyMeta> | null;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (!m || typeof m !== 'object' || !strings(m.names) || !strings(m.types) || m.names.length !== m.types.length || m.types.some((t) => kindOfType(t) < 0)) {
    throw new Error('a COPY text record does not name its columns and their types');
  }
  return { names: m.names, types: m.types };
}

const EMPTY = Buffer.alloc(0);

export class CopyEncoder {
  /** The interval's COPY text, a chunk per batch (the live transaction sends them as they come). */
  readonly chunks: Buffer[] = [];
  rows = 0;
  spoiled = false;
  /**
   * Leading chunks dropped from memory (release): sent into the live transaction, and staged as they are,
   * so a commit that cannot use the live transaction reads them from the staging file.
   */
  released = 0;
  /** A batch was staged as rows, not as its text: the chunks must stay. */
  private unstaged = false;
  /** Column names of the lines (fixed by the first batch; null before it) and their kinds so far (copy.ts). */
  private names: string[] | null = null;
  private kinds: number[] = [];
  private readonly out = new CopyBytes();
  /** The meta JSON of the last staged batch, reused while the types stay the same. */
  private meta: CopyMeta | null = null;

  /**
   * Adds a batch's lines. Returns them for the staging file when they give the rows back exactly; nothing
   * when the rows must be staged as they are (a value the text does not give back, a row with fields
   * missing or in another order, or the encoder spoiled).
   */
  add(rows: readonly Row[]): StagedEncoding | undefined {
    if (this.spoiled || rows.length === 0) return undefined;
    const names = this.names ?? this.start(rows[0] as Row);
    const kinds = this.kinds;
    const out = this.out;
    let exact = true;
    let r = 0;
    rows: for (; r < rows.length; r++) {
      const row = rows[r] as Row;
      let c = 0;
      for (const name in row) {
        if (name !== names[c]) break rows;
        const v = row[name];
        let kind: number;
        if (typeof v === 'string') kind = out.text(v) ? TEXT : TEXT | 8;
        else kind = out.value(v);
        const had = kinds[c];
        if (kind !== had && !foldKind(kinds, c, kind)) exact = false;
        out.buf[out.at++] = 9;
        c++;
      }
      if (c !== names.length) break;
      if (c > 0) out.buf[out.at - 1] = 10; // the last separator ends the line
      else out.byte(10);
    }
    if (r < rows.length && !this.slow(rows)) return undefined;
    const bytes = out.take(0);
    this.chunks.push(bytes);
    this.rows += rows.length;
    if (r < rows.length || !exact) {
      this.unstaged = true;
      return undefined;
    }
    return { meta: this.stagedMeta(), bytes, rows: rows.length };
  }

  /**
   * Drops the first `sent` chunks from memory when every batch so far is staged as its text (the staging
   * file then holds them): an interval's text is ~130 bytes a row, and held until the commit it made the
   * GC run full collections often (external memory) for nothing in the usual case.
   */
  release(sent: number): void {
    if (this.unstaged || this.spoiled) return;
    for (let i = this.released; i < sent; i++) this.chunks[i] = EMPTY;
    this.released = Math.max(this.released, sent);
  }

  /** The column names from the first row (a batch with more columns adds them in slow()). */
  private start(row: Row): string[] {
    const names: string[] = [];
    for (const name in row) if (Object.hasOwn(row, name)) names.push(name);
    this.names = names;
    this.kinds = names.map(() => NULL);
    return names;
  }

  /**
   * A batch with a row whose fields are not the columns in order: its types folded as columns.ts does,
   * new columns taken in the first batch (anywhere else they spoil the encoder), and its lines written
   * again by column name. False when spoiled.
   */
  private slow(rows: readonly Row[]): boolean {
    const names = this.names ?? this.start(rows[0] as Row);
    const index = new Map(names.map((name, i) => [name, i]));
    const kinds = this.kinds;
    for (const row of rows) {
      for (const name in row) {
        if (!Object.hasOwn(row, name)) continue;
        let c = index.get(name);
        if (c === undefined) {
          if (this.rows > 0) {
            this.spoil();
            return false;
          }
          c = names.length;
          index.set(name, c);
          names.push(name);
          kinds.push(NULL);
        }
        foldKind(kinds, c, valueKind(row[name]));
      }
    }
    const out = this.out;
    out.at = 0;
    for (const row of rows) {
      for (let c = 0; c < names.length; c++) {
        if (c > 0) out.byte(9);
        out.value(row[names[c] as string]);
      }
      out.byte(10);
    }
    return true;
  }

  private stagedMeta(): CopyMeta {
    const types = this.kinds.map((k) => TYPE_NAMES[k] as string);
    const names = this.names ?? [];
    const had = this.meta;
    if (had && had.names.length === names.length && had.types.every((t, i) => t === types[i])) return had;
    this.meta = { names: names.slice(), types };
    return this.meta;
  }

  spoil(): void {
    this.spoiled = true;
    this.chunks.length = 0;
  }

  /** Column → type for the table, in the order of the lines' fields (what inferColumns gives). */
  types(): Map<string, string> {
    return new Map((this.names ?? []).map((name, i) => [name, TYPE_NAMES[this.kinds[i] === NULL ? TEXT : this.kinds[i] as number] as string]));
  }

  /**
   * The encoder of an interval from its staged COPY text records (a restore): the bytes as they are,
   * the column types of the last record (the fold of the whole interval). Null when the records do not
   * share one column list.
   */
  static restore(records: readonly { meta: unknown; bytes: Buffer; rows: number }[]): CopyEncoder | null {
    if (records.length === 0) return null;
    const metas = records.map((r) => copyMeta(r.meta));
    const first = metas[0] as CopyMeta;
    if (metas.some((m) => m.names.length !== first.names.length || m.names.some((n, i) => n !== first.names[i]))) return null;
    const encoder = new CopyEncoder();
    encoder.names = first.names.slice();
    encoder.kinds = (metas[metas.length - 1] as CopyMeta).types.map(kindOfType);
    for (const record of records) {
      encoder.chunks.push(record.bytes);
      encoder.rows += record.rows;
    }
    return encoder;
  }
}
