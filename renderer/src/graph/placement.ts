// Where a new node goes: where it was dropped, unless that covers a node already there; then the nearest
// free spot below, to the right or above it, so two drops never stack nodes on top of each other.
import type { Position } from '../../../engine/format/pipeline.ts';
import type { Graph } from './model.ts';

export interface Box {
  width: number;
  height: number;
}

/** A node as drawn (220 px wide, up to ~110 px tall with badges), plus a margin around it. */
export const nodeBox: Box = { width: 220, height: 110 };
const margin = 16;

function overlaps(a: Position, b: Position, box: Box): boolean {
  return Math.abs(a.x - b.x) < box.width + margin && Math.abs(a.y - b.y) < box.height + margin;
}

/**
 * The dropped position when free, else the closest free one on a ring search around it (steps of a node
 * height down/up and a node width right/left), nearest first; deterministic for a given graph.
 */
export function freePosition(graph: Pick<Graph, 'nodes'>, wanted: Position, box: Box = nodeBox, sizeOf: (id: string) => Box | undefined = () => undefined): Position {
  const taken = graph.nodes.map((n) => ({ at: n.position, box: sizeOf(n.id) ?? box }));
  const free = (p: Position) => taken.every((t) => !overlaps(p, t.at, { width: Math.max(box.width, t.box.width), height: Math.max(box.height, t.box.height) }));
  if (free(wanted)) return wanted;
  const dy = box.height + margin;
  const dx = box.width + margin;
  for (let ring = 1; ring <= 50; ring++) {
    const candidates: Position[] = [];
    for (let i = -ring; i <= ring; i++) {
      for (let j = -ring; j <= ring; j++) {
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
        candidates.push({ x: wanted.x + i * dx, y: wanted.y + j * dy });
      }
    }
    candidates.sort((a, b) => Math.hypot(a.x - wanted.x, a.y - wanted.y) - Math.hypot(b.x - wanted.x, b.y - wanted.y) || a.y - b.y || a.x - b.x);
    const found = candidates.find(free);
    if (found) return found;
  }
  return wanted;
}
