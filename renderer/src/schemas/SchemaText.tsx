// Schema text with colours, and the diff of two versions line by line.
import { useMemo } from 'react';
import type { DiffLine } from './diff.ts';
import { tokenize } from './highlight.ts';
import type { TokenKind } from './highlight.ts';

const colours: Record<TokenKind, string | undefined> = {
  key: 'var(--accent)',
  string: 'var(--ok)',
  number: 'var(--late)',
  keyword: 'var(--accent)',
  comment: 'var(--muted)',
  plain: undefined,
};

const block = { margin: 0, padding: 8, maxHeight: 420, overflow: 'auto', background: 'var(--bg)', borderRadius: 6, border: '1px solid var(--border)' } as const;

export function SchemaText({ text, label }: { text: string; label: string }) {
  const tokens = useMemo(() => tokenize(text), [text]);
  return (
    <pre aria-label={label} style={block}>
      {tokens.map((t, i) => (t.kind === 'plain' ? t.text : <span key={i} data-token={t.kind} style={{ color: colours[t.kind], fontWeight: t.kind === 'keyword' ? 600 : undefined }}>{t.text}</span>))}
    </pre>
  );
}

export function SchemaDiff({ lines, label }: { lines: DiffLine[]; label: string }) {
  const changed = lines.filter((l) => l.kind !== 'same').length;
  return (
    <div className="col" style={{ gap: 4 }}>
      <span className="faint small" role="status">{changed === 0 ? 'The two versions are the same.' : `${lines.filter((l) => l.kind === 'added').length} line(s) added, ${lines.filter((l) => l.kind === 'removed').length} removed`}</span>
      <pre aria-label={label} style={block}>
        {lines.map((l, i) => (
          <div key={i} data-diff={l.kind} style={{
            background: l.kind === 'added' ? 'rgba(63, 191, 127, 0.14)' : l.kind === 'removed' ? 'var(--error-soft)' : undefined,
            color: l.kind === 'removed' ? 'var(--error)' : l.kind === 'added' ? 'var(--ok)' : undefined,
          }}>{l.kind === 'added' ? '+ ' : l.kind === 'removed' ? '- ' : '  '}{l.text}</div>
        ))}
      </pre>
    </div>
  );
}
