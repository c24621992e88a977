// The form of the selected node, generated from the engine's node catalog: one editor per field kind,
// with the catalog's help text, defaults as placeholders, and upstream fields for completion.
import { useMemo } from 'react';
import type { ConfigField } from '../../../engine/format/node-catalog.ts';
import { inferFields, inputFields } from '../../../engine/format/fields.ts';
import type { FieldInfo } from '../../../engine/format/fields.ts';
import type { Problem } from '../../../engine/format/pipeline.ts';
import { useStudio, useStudioStore, useStudioWith } from '../api/context.tsx';
import { iconOf, nodeTypeInfo } from '../graph/catalog.ts';
import { sameMeaning } from '../graph/meaning.ts';
import { docFromGraph } from '../graph/model.ts';
import type { GraphNode } from '../graph/model.ts';
import { AggregateEditor, DurationInput, FieldListPicker, KeyValueEditor, StartFromInput, StringListInput } from './editors.tsx';
import { labelledProblem } from './expression.ts';
import { ExpressionInput } from './ExpressionInput.tsx';
import type { Samples } from './ExpressionInput.tsx';
import { useSamples } from './useSamples.ts';
import { ConnectionPicker, TopicPicker, TopicsPicker } from './KafkaFields.tsx';
import { SinkConnectionPicker } from './SinkConnectionFields.tsx';
import { connectionKindFor } from '../connections/kinds.ts';
import { SubjectPicker } from '../schemas/SubjectPicker.tsx';

type Config = Record<string, unknown>;

interface FieldEditorProps {
  field: ConfigField;
  node: GraphNode;
  fields: readonly FieldInfo[] | null;
  /** The validator's problems for this field, already worded with the field's label. */
  problems: readonly Problem[];
  samples: Samples;
}

function FieldEditor({ field, node, fields, problems, samples }: FieldEditorProps) {
  const store = useStudioStore();
  const config = node.config as unknown as Config;
  const value = config[field.key];
  const set = (next: unknown) => {
    const copy: Config = { ...config };
    if (next === undefined || next === '') delete copy[field.key];
    else copy[field.key] = next;
    store.getState().apply({ kind: 'updateConfig', id: node.id, config: copy as unknown as GraphNode['config'] }, `${node.id}.${field.key}`);
  };
  const placeholder = field.placeholder ?? (field.default !== undefined && typeof field.default !== 'object' ? String(field.default) : undefined);
  const text = typeof value === 'string' ? value : value === undefined ? '' : String(value);
  if (node.type === 'source.kafka' || node.type === 'sink.kafka') {
    // The catalog calls these plain strings; here they are pickers over what the connection has.
    const connection = typeof config.connection === 'string' ? config.connection : '';
    if (field.key === 'connection') return <ConnectionPicker label={field.label} value={text} onChange={set} />;
    if (field.key === 'topic') return <TopicPicker label={field.label} value={text} connection={connection} onChange={set} />;
    if (field.key === 'subject') return <SubjectPicker label={field.label} value={text} connection={connection} onChange={set} />;
    if (field.key === 'topics') return <TopicsPicker label={field.label} value={Array.isArray(value) ? (value as string[]) : []} connection={connection} onChange={(v) => set(v.length > 0 ? v : undefined)} />;
  }
  const kind = connectionKindFor(node.type);
  if (kind && field.key === 'connection') {
    return <SinkConnectionPicker kind={kind} label={field.label} value={text} table={typeof config.table === 'string' ? config.table : ''} onChange={set} />;
  }
  switch (field.kind) {
    case 'expression':
      return <ExpressionInput label={field.label} value={text} onChange={set} fields={fields} samples={samples} {...(problems[0] ? { error: problems[0].message } : {})} {...(placeholder ? { placeholder } : {})} rows={field.key === 'where' ? 2 : 1} />;
    case 'duration':
      return <DurationInput label={field.label} value={text} onChange={set} {...(placeholder ? { placeholder } : {})} />;
    case 'enum':
      return (
        <select aria-label={field.label} value={text} onChange={(e) => set(e.target.value)}>
          {!field.required && <option value="">(default{placeholder ? `: ${placeholder}` : ''})</option>}
          {(field.options ?? []).map((o) => <option key={o} value={o}>{o}</option>)}
        </select>
      );
    case 'boolean':
      return (
        <label className="row" style={{ color: 'var(--text)' }}>
          <input type="checkbox" aria-label={field.label} checked={value === undefined ? field.default === true : value === true} onChange={(e) => set(e.target.checked)} />
          <span>{field.label}</span>
        </label>
      );
    case 'integer':
    case 'number':
      return (
        <input
          type="number"
          className="mono"
          aria-label={field.label}
          value={typeof value === 'number' ? value : ''}
          placeholder={placeholder}
          min={field.min}
          max={field.max}
          step={field.kind === 'integer' ? 1 : 'any'}
          onChange={(e) => set(e.target.value === '' ? undefined : Number(e.target.value))}
        />
      );
    case 'field':
      return (
        <>
          <input className="mono" aria-label={field.label} list={`fields-${node.id}`} value={text} placeholder={placeholder} onChange={(e) => set(e.target.value)} />
          <datalist id={`fields-${node.id}`}>{(fields ?? []).map((f) => <option key={f.name} value={f.name}>{f.type}</option>)}</datalist>
        </>
      );
    case 'fieldList':
      return <FieldListPicker label={field.label} value={value} onChange={(v) => set(v.length > 0 ? v : undefined)} fields={fields} />;
    case 'aggregateMap':
      return <AggregateEditor value={value} onChange={set} fields={fields} samples={samples} error={(name) => problems.find((p) => p.path.endsWith(`/${field.key}/${name}`))?.message} />;
    case 'selectMap':
    case 'expressionMap':
      return <KeyValueEditor label={field.label} value={value} onChange={set} fields={fields} kind="expression" samples={samples} />;
    case 'typeMap':
      return <KeyValueEditor label={field.label} value={value} onChange={(v) => set(Object.keys(v).length > 0 ? v : undefined)} fields={fields} kind="type" />;
    case 'stringList':
      return <StringListInput label={field.label} value={Array.isArray(value) ? (value as string[]) : []} onChange={(v) => set(v.length > 0 ? v : undefined)} />;
    case 'startFrom':
      return <StartFromInput label={field.label} value={value} onChange={set} />;
    case 'timestamp':
    case 'string':
      return <input className="mono" aria-label={field.label} value={text} placeholder={placeholder} onChange={(e) => set(e.target.value)} />;
  }
}

function visible(field: ConfigField, config: Config): boolean {
  if (!field.when) return true;
  return field.when.values.includes(config[field.when.key]);
}

export function Inspector({ node }: { node: GraphNode }) {
  const store = useStudioStore();
  const graph = useStudioWith((s) => s.graph, sameMeaning);
  const problems = useStudio((s) => s.problems);
  const info = nodeTypeInfo(node.type);
  const fields = useMemo(() => {
    const doc = docFromGraph(graph);
    return inputFields(doc, inferFields(doc), node.id);
  }, [graph, node.id]);
  const samples = useSamples(node.id);
  const index = graph.nodes.findIndex((n) => n.id === node.id);
  const mine = problems.filter((p) => p.path === `/nodes/${index}` || p.path.startsWith(`/nodes/${index}/`));
  if (!info) return <p className="empty">Unknown node type {node.type}</p>;
  const config = node.config as unknown as Config;
  return (
    <section className="side-section" aria-label="Inspector">
      <div className="row">
        <span className={`icon cat-${info.category}`} aria-hidden>{iconOf(node.type)}</span>
        <div className="col grow" style={{ gap: 0 }}>
          <h2>{info.title}</h2>
          <span className="faint small mono">{node.id}</span>
        </div>
      </div>
      <p className="muted small" style={{ margin: 0 }}>{info.description}</p>
      <div className="field">
        <label className="field-label" htmlFor={`label-${node.id}`}>Label</label>
        <input id={`label-${node.id}`} value={node.label ?? ''} placeholder={node.id} onChange={(e) => store.getState().apply({ kind: 'renameNode', id: node.id, label: e.target.value }, `${node.id}.label`)} />
      </div>
      {info.fields.filter((f) => visible(f, config)).map((f) => {
        const problems = mine
          .filter((p) => p.path.endsWith(`/config/${f.key}`) || p.path.includes(`/config/${f.key}/`))
          .map((p) => ({ ...p, message: labelledProblem(p.message, f.key, f.label) }));
        // Expression editors show the problem inside themselves, above their completion list.
        const inside = f.kind === 'expression' || f.kind === 'aggregateMap';
        const problem = inside ? undefined : problems[0];
        return (
          <div key={f.key} className="field">
            {f.kind !== 'boolean' && (
              <span className="field-label">
                <label>{f.label}</label>
                {f.required && <span className="req" aria-hidden>*</span>}
              </span>
            )}
            <FieldEditor field={f} node={node} fields={fields} problems={problems} samples={samples.values} />
            {problem && <div className="field-error" role="note">{problem.message}</div>}
            <span className="field-help">{f.help}</span>
          </div>
        );
      })}
      {samples.from && samples.values.size > 0 && <span className="faint small" role="note" aria-label="Sample source">Sample values {samples.from === 'live' ? 'from the running pipeline' : 'from a short sample run of the nodes upstream'}</span>}
      {samples.note && <span className="faint small" role="note">{samples.note}</span>}
      {fields && (
        <details>
          <summary className="muted small">Input fields ({fields.length})</summary>
          <div className="chips" style={{ marginTop: 6 }}>
            {fields.map((f) => <span key={f.name} className="badge" title={f.type}>{f.name}: {f.type}</span>)}
          </div>
        </details>
      )}
    </section>
  );
}

// Named for React DevTools and the render-count e2e check (minified builds lose function names).
Inspector.displayName = 'Inspector';
