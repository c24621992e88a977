// The example pipelines for the first screen and the File menu. The featured one is the sales example on
// the built-in generator, which runs with nothing else installed.
import { basename } from 'node:path';
import { listExamples } from '../../format/examples.ts';
import type { ExampleInfo } from '../contract.ts';

export async function studioExamples(dir?: string): Promise<ExampleInfo[]> {
  const examples = await listExamples(dir);
  const isSales = (e: (typeof examples)[number]): boolean =>
    e.doc.nodes.some((n) => n.type === 'source.generator' && n.config.dataset === 'sales_orders');
  const featured = examples.find((e) => basename(e.file) === 'sales-by-region.json') ?? examples.find(isSales);
  return examples.map((e) => ({
    id: basename(e.file, '.json'),
    title: title(e.name),
    description: e.description,
    featured: e === featured,
    doc: e.doc,
  }));
}

/** `sales-by-region` → `Sales by region`. */
function title(name: string): string {
  const words = name.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
