// The canvas's reading of the engine's node catalog: port shapes, icons and one-line summaries.
import { nodeCatalog, nodeTypeInfo, outputPorts } from '../../../engine/format/node-catalog.ts';
import type { NodeCategory, NodeTypeInfo } from '../../../engine/format/node-catalog.ts';
import type { NodeType } from '../../../engine/format/pipeline.ts';
import type { PortShape } from './connection.ts';
import type { GraphNode } from './model.ts';

export { nodeCatalog, nodeTypeInfo };
export type { NodeCategory, NodeTypeInfo };

export const categories: readonly NodeCategory[] = ['Sources', 'Transforms', 'Windows', 'Sinks'];

const shapes = new Map<string, PortShape>(
  nodeCatalog.map((info) => [info.type, { input: info.ports.includes('in'), outputs: outputPorts(info) }]),
);

export function portsOf(type: NodeType): PortShape {
  return shapes.get(type) ?? { input: true, outputs: ['out'] };
}

const icons: Record<string, string> = {
  'source.generator': '✦',
  'source.file': '▤',
  'source.kafka': 'K',
  'transform.filter': '⊻',
  'transform.map': 'ƒ',
  'transform.dedupe': '≡',
  'window.tumbling': '▦',
  'window.hopping': '▧',
  'window.session': '◫',
  'sink.lake': '◉',
  'sink.preview': '◧',
  'sink.kafka': 'K',
  'sink.postgres': 'P',
  'sink.clickhouse': 'C',
  // sink.opensearch
  'sink.opensearch': 'O',
  'sink.cassandra': 'Ca',
};

/** What a database sink writes into, for the words of its delivery figures ("rows committed to the index"). */
export function deliveryTarget(type: string): string {
  return type === 'sink.opensearch' ? 'index' : 'table';
}

export function iconOf(type: string): string {
  return icons[type] ?? '•';
}

/** Initial config for a node dropped on the canvas: the catalog's defaults for required fields. */
export function defaultConfig(type: NodeType): GraphNode['config'] {
  switch (type) {
    case 'source.generator':
      return { dataset: 'sales_orders', eventsPerSecond: 2000 };
    case 'source.file':
      return { path: '', format: 'jsonl' };
    case 'source.kafka':
      return { connection: '', topics: [], format: 'json', startFrom: 'earliest' };
    case 'transform.filter':
      return { where: '' };
    case 'transform.map':
      return { select: {} };
    case 'transform.dedupe':
      return { key: '', horizon: '10m' };
    case 'window.tumbling':
      return { time: 'event_time', size: '1m', aggregates: { events: 'count(*)' } };
    case 'window.hopping':
      return { time: 'event_time', size: '10m', slide: '1m', aggregates: { events: 'count(*)' } };
    case 'window.session':
      return { time: 'event_time', gap: '5m', aggregates: { events: 'count(*)' } };
    case 'sink.lake':
      return { table: '' };
    case 'sink.preview':
      return { capacity: 500 };
    case 'sink.kafka':
      return { connection: '', topic: '', format: 'json' };
    case 'sink.postgres':
      return { connection: '', table: '' };
    case 'sink.clickhouse':
      return { connection: '', table: '' };
    // sink.opensearch
    case 'sink.opensearch':
      return { connection: '', index: '' };
    case 'sink.cassandra':
      return { connection: '', keyspace: '', table: '' };
  }
}

function list(values: readonly string[] | undefined): string {
  return values && values.length > 0 ? values.join(', ') : '';
}

function compact(n: number): string {
  if (n >= 1_000_000) return `${+(n / 1_000_000).toFixed(1)}M`;
  if (n >= 1000) return `${+(n / 1000).toFixed(1)}k`;
  return String(n);
}

/** The one line under a node's title that says what it does ("tumbling 1m by region"). */
export function summarize(node: GraphNode): string {
  const c = node.config as unknown as Record<string, unknown>;
  const by = Array.isArray(c.groupBy) && c.groupBy.length > 0 ? ` by ${list(c.groupBy as string[])}` : '';
  switch (node.type) {
    case 'source.generator': {
      const rate = typeof c.eventsPerSecond === 'number' && c.eventsPerSecond > 0 ? `${compact(c.eventsPerSecond)}/s` : 'max rate';
      const count = typeof c.count === 'number' && c.count > 0 ? `${compact(c.count)} events` : 'unbounded';
      return `${String(c.dataset ?? '?')} · ${count} · ${rate}`;
    }
    case 'source.file':
      return `${String(c.format ?? '')} ${String(c.path ?? '') || '(no path)'}`;
    case 'source.kafka':
      return `${list(c.topics as string[]) || String(c.topicPattern ?? '') || '(no topic)'} · ${String(c.format ?? '')}`;
    case 'transform.filter':
      return String(c.where ?? '') || '(no condition)';
    case 'transform.map': {
      const cols = Object.keys((c.select as Record<string, string>) ?? {});
      return cols.length > 0 ? `${cols.length} columns: ${cols.join(', ')}` : '(no columns)';
    }
    case 'transform.dedupe':
      return `by ${String(c.key ?? '?')} within ${String(c.horizon ?? '?')}`;
    case 'window.tumbling':
      return `tumbling ${String(c.size ?? '?')}${by}`;
    case 'window.hopping':
      return `hopping ${String(c.size ?? '?')} every ${String(c.slide ?? '?')}${by}`;
    case 'window.session':
      return `session gap ${String(c.gap ?? '?')}${by}`;
    case 'sink.lake':
      return `→ ${String(c.table ?? '') || '(no table)'}${c.branch ? `@${String(c.branch)}` : ''}`;
    case 'sink.preview':
      return `keeps ${compact(Number(c.capacity ?? 500))} rows`;
    case 'sink.kafka':
      return `→ ${String(c.topic ?? '') || '(no topic)'} · ${String(c.format ?? '')}`;
    case 'sink.postgres':
    case 'sink.clickhouse':
      return `→ ${String(c.table ?? '') || '(no table)'} · ${String(c.connection ?? '') || '(no connection)'}`;
    // sink.opensearch
    case 'sink.opensearch':
      return `→ ${String(c.index ?? '') || '(no index)'} · ${String(c.connection ?? '') || '(no connection)'}`;
    case 'sink.cassandra':
      return `→ ${String(c.keyspace ?? '') || '?'}.${String(c.table ?? '') || '(no table)'} · ${String(c.connection ?? '') || '(no connection)'}`;
  }
}

export function formatRate(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(2)}M/s`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k/s`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k/s`;
  return `${Math.round(n)}/s`;
}

export function formatCount(n: number): string {
  return compact(n);
}
