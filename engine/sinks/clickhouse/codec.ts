// The RowBinary of an append batch as a staging record (staging.ts): the bytes the encoder streamed into
// the stage table, with a header (`meta`) that says how to read them — the column names in field order,
// each column's stage kind, which number columns were whole so far (the Int64 cast of the move), and the
// milliseconds of each DateTime value (the stage's DateTime holds whole seconds; the staged rows must come
// back exactly). Staging these bytes instead of v8-serialising the rows a second time was ~2 µs of the
// ~3.5 µs an event cost in bench file-append-clickhouse.
//
// A restore sends the staged bytes as they are into a stage table (no decoding); a commit that needs the
// rows (several segments, a refused value, a table of other types) reads them back with `decodeRowBinary`.
// The encoder stages a batch this way only when the bytes give every row back exactly ("exact": strings
// without lone surrogates, finite numbers, booleans, Dates in DateTime's range, nulls; no missing keys,
// no value written as text of another kind); otherwise the batch is staged as rows.
import { EngineError } from '../../errors.ts';
import type { Row } from '../../runtime/types.ts';
import type { StagingCodec } from '../staging.ts';
import { quoteIdent } from './sql.ts';

/** How a column's values are written. */
export type Kind = 'String' | 'Float64' | 'UInt8' | 'DateTime' | 'Int64';

/**
 * Int64 is only written for a column an existing table holds as Nullable(Int64) (whole numbers below 2^63
 * as 8-byte integers, so the stage can be the table's own shape and attached without a rewrite; encoder.ts).
 */
export const KINDS: readonly Kind[] = ['String', 'Float64', 'UInt8', 'DateTime', 'Int64'];

export const STAGE_TYPE: Record<Kind, string> = { String: 'Nullable(String)', Float64: 'Nullable(Float64)', UInt8: 'Nullable(UInt8)', DateTime: "Nullable(DateTime('UTC'))", Int64: 'Nullable(Int64)' };

const TWO_32 = 2 ** 32;

/** The name in every record's header. */
export const CODEC_NAME = 'clickhouse-rowbinary-1';

/** The columns of an interval's RowBinary: what a stage table and the move into the target need. */
export interface Layout {
  names: string[];
  /** null: only nulls so far (a null is the same byte in every Nullable type; the stage makes it String). */
  kinds: (Kind | null)[];
  /** Per column: every number whole (Int64 in inferColumns), and some whole number at or above 2^63. */
  whole: boolean[];
  big: boolean[];
}

/** A record's meta: the layout so far, and per DateTime column the milliseconds of its rows (u16 LE, base64). */
export interface RowBinaryMeta extends Layout {
  ms: Record<string, string>;
}

/** What the stage's rows become in the target: its column names and the SELECT expression for each. */
export interface StagePlan {
  columns: string[];
  select: string[];
}

/** The base type of each column for the table, in field order (what inferColumns gives for the rows). */
export function layoutTypes(layout: Layout): Map<string, string> {
  const out = new Map<string, string>();
  layout.names.forEach((name, i) => {
    const kind = layout.kinds[i];
    out.set(name, kind === 'Float64' ? (layout.whole[i] ? 'Int64' : 'Float64') : kind === 'DateTime' ? "DateTime('UTC')" : kind ?? 'String');
  });
  return out;
}

/** The stage table's columns for this layout (columns only null so far are String). */
export function stageColumns(layout: Layout): { name: string; type: string }[] {
  return layout.names.map((name, i) => ({ name, type: STAGE_TYPE[layout.kinds[i] ?? 'String'] }));
}

/**
 * How a stage goes into a table with these columns (name → full type), or null when the table does not
 * take the values as written: every column Nullable, of the stage's type, or Int64 for whole numbers.
 */
export function planFor(layout: Layout, columns: ReadonlyMap<string, string>): StagePlan | null {
  if (columns.size !== layout.names.length) return null;
  const plan: StagePlan = { columns: [], select: [] };
  for (let i = 0; i < layout.names.length; i++) {
    const name = layout.names[i] as string;
    const type = columns.get(name);
    if (type === undefined || !type.startsWith('Nullable(')) return null;
    const kind = layout.kinds[i];
    if (kind === null || kind === undefined) continue; // only nulls: the column's default is null
    if (type === STAGE_TYPE[kind]) {
      plan.select.push(quoteIdent(name));
    } else if (kind === 'Float64' && type === 'Nullable(Int64)' && layout.whole[i] && !layout.big[i]) {
      plan.select.push(`CAST(${quoteIdent(name)} AS Nullable(Int64))`);
    } else if (kind === 'Int64' && type === 'Nullable(Float64)') {
      plan.select.push(`CAST(${quoteIdent(name)} AS Nullable(Float64))`); // exact: the values were doubles
    } else {
      return null;
    }
    plan.columns.push(name);
  }
  return plan;
}

function bad(message: string): EngineError {
  return new EngineError('ENG_CLICKHOUSE_STAGED', `staged RowBinary: ${message}`);
}

/** A record's meta read from the staging file (a storage boundary: checked field by field). */
export function parseMeta(meta: unknown): RowBinaryMeta {
  const m = meta as Partial<RowBinaryMeta> | null;
  if (typeof m !== 'object' || m === null || !Array.isArray(m.names) || !Array.isArray(m.kinds) || !Array.isArray(m.whole) || !Array.isArray(m.big)) throw bad('the header has no column layout');
  const n = m.names.length;
  if (!m.names.every((x) => typeof x === 'string') || new Set(m.names).size !== n) throw bad('the column names are not distinct strings');
  if (m.kinds.length !== n || !m.kinds.every((k) => k === null || KINDS.includes(k))) throw bad('a column kind is not one of String, Float64, UInt8, DateTime, Int64');
  if (m.whole.length !== n || m.big.length !== n || ![...m.whole, ...m.big].every((b) => typeof b === 'boolean')) throw bad('the number flags do not match the columns');
  const ms = m.ms ?? {};
  if (typeof ms !== 'object' || ms === null || !Object.values(ms).every((v) => typeof v === 'string')) throw bad('the milliseconds are not base64 text');
  return { names: m.names, kinds: m.kinds, whole: m.whole, big: m.big, ms };
}

/** The layout of several records of one interval (each batch's meta is the layout so far); null if they disagree. */
export function combineLayouts(metas: readonly Layout[]): Layout | null {
  const last = metas[metas.length - 1];
  if (!last) return null;
  const names = last.names.join('\0');
  for (const m of metas) {
    if (m.names.join('\0') !== names) return null;
    for (let i = 0; i < m.kinds.length; i++) if (m.kinds[i] !== null && m.kinds[i] !== last.kinds[i]) return null;
  }
  return {
    names: last.names,
    kinds: last.kinds,
    whole: last.names.map((_, i) => metas.every((m) => m.whole[i])),
    big: last.names.map((_, i) => metas.some((m) => m.big[i])),
  };
}

/** Reads `rows` rows of RowBinary back; throws unless the bytes are exactly that. */
export function decodeRowBinary(meta: unknown, bytes: Buffer, rows: number): Row[] {
  const { names, kinds, ms } = parseMeta(meta);
  const millis = kinds.map((k, i) => {
    if (k !== 'DateTime') return null;
    const text = ms[String(i)];
    if (text === undefined) return null; // only nulls in this batch (a value then fails below)
    const b = Buffer.from(text, 'base64');
    if (b.length !== rows * 2) throw bad(`the milliseconds of column ${names[i]} are not ${rows} values`);
    return b;
  });
  const out: Row[] = [];
  let at = 0;
  const need = (n: number): void => {
    if (at + n > bytes.length) throw bad(`the bytes end inside row ${out.length + 1} of ${rows}`);
  };
  for (let r = 0; r < rows; r++) {
    const row: Row = {};
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      need(1);
      const flag = bytes[at++];
      if (flag === 1) {
        row[name] = null;
        continue;
      }
      if (flag !== 0) throw bad(`a null flag ${flag} in row ${r + 1}`);
      switch (kinds[i]) {
        case 'String': {
          let length = 0;
          let shift = 0;
          for (;;) {
            need(1);
            const b = bytes[at++] as number;
            length += (b & 0x7f) * 2 ** shift;
            shift += 7;
            if (b < 0x80) break;
            if (shift > 35) throw bad(`a string length in row ${r + 1} does not end`);
          }
          need(length);
          row[name] = bytes.toString('utf8', at, at + length);
          at += length;
          break;
        }
        case 'Float64':
          need(8);
          row[name] = bytes.readDoubleLE(at);
          at += 8;
          break;
        case 'UInt8':
          need(1);
          row[name] = bytes[at++] !== 0;
          break;
        case 'Int64':
          need(8);
          // exact: the encoder writes only whole doubles below 2^63, which the sum gives back
          row[name] = bytes.readInt32LE(at + 4) * TWO_32 + bytes.readUInt32LE(at);
          at += 8;
          break;
        case 'DateTime':
          need(4);
          if (!millis[i]) throw bad(`no milliseconds for DateTime column ${name}`);
          row[name] = new Date(bytes.readUInt32LE(at) * 1000 + (millis[i] as Buffer).readUInt16LE(r * 2));
          at += 4;
          break;
        default:
          throw bad(`a value in column ${name}, which held only nulls`);
      }
    }
    out.push(row);
  }
  if (at !== bytes.length) throw bad(`${bytes.length - at} bytes after the ${rows} rows`);
  return out;
}

export const rowBinaryCodec: StagingCodec = { name: CODEC_NAME, decode: decodeRowBinary };
