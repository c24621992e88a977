// Node palette: drag an item onto the canvas, or press Enter on it to drop it at the centre.
import { useReactFlow } from '@xyflow/react';
import { useEffect, useRef } from 'react';
import type { NodeType } from '../../../engine/format/pipeline.ts';
import { useStudio, useStudioStore } from '../api/context.tsx';
import { addNodeAt, paletteMime } from '../canvas/Canvas.tsx';
import { isTyping } from '../canvas/shortcuts.ts';
import { categories, iconOf, nodeCatalog } from '../graph/catalog.ts';

export function Palette() {
  const store = useStudioStore();
  const query = useStudio((s) => s.paletteQuery);
  const flow = useReactFlow();
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && !isTyping(e.target)) {
        e.preventDefault();
        store.getState().setUi({ leftTab: 'pipeline', leftOpen: true });
        window.requestAnimationFrame(() => search.current?.focus());
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  const q = query.trim().toLowerCase();
  const matches = nodeCatalog.filter((info) => !q || `${info.title} ${info.type} ${info.description} ${info.category}`.toLowerCase().includes(q));

  const dropAtCentre = (type: NodeType) => {
    const box = document.querySelector('.canvas-wrap')?.getBoundingClientRect();
    const centre = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
    addNodeAt(store, type, { x: Math.round(centre.x - 110), y: Math.round(centre.y - 30) });
  };

  return (
    <>
      <input
        ref={search}
        type="search"
        aria-label="Search nodes"
        placeholder="Search nodes  ( / )"
        value={query}
        onChange={(e) => store.getState().setUi({ paletteQuery: e.target.value })}
      />
      {categories.map((category) => {
        const items = matches.filter((i) => i.category === category);
        if (items.length === 0) return null;
        return (
          <section key={category} className="palette-group" aria-label={category}>
            <h3>{category}</h3>
            {items.map((info) => (
              <button
                key={info.type}
                className="palette-item"
                draggable
                aria-label={`Add ${info.title}`}
                title={`${info.description}\nDrag onto the canvas, or press Enter to add it at the centre.`}
                onDragStart={(e) => {
                  e.dataTransfer.setData(paletteMime, info.type);
                  e.dataTransfer.effectAllowed = 'copy';
                }}
                onClick={(e) => {
                  if (e.detail === 0) dropAtCentre(info.type);
                }}
                onDoubleClick={() => dropAtCentre(info.type)}
              >
                <span className={`icon cat-${info.category}`} aria-hidden>{iconOf(info.type)}</span>
                <span className="col grow" style={{ gap: 0 }}>
                  <span>{info.title}</span>
                  <span className="desc">{info.description}</span>
                </span>
              </button>
            ))}
          </section>
        );
      })}
      {matches.length === 0 && <p className="empty">No node matches “{query}”.</p>}
    </>
  );
}
