import type { PointerEvent } from 'react';

/** A drag handle between two regions; reports the pointer's movement since the drag began. */
export function Splitter({ direction, label, onDrag, onDouble }: { direction: 'v' | 'h'; label: string; onDrag: (delta: number, start: boolean) => void; onDouble?: () => void }) {
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    const origin = direction === 'v' ? e.clientX : e.clientY;
    onDrag(0, true);
    const move = (ev: globalThis.PointerEvent) => onDrag((direction === 'v' ? ev.clientX : ev.clientY) - origin, false);
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  return <div className={`splitter ${direction}`} role="separator" aria-label={label} aria-orientation={direction === 'v' ? 'vertical' : 'horizontal'} onPointerDown={onPointerDown} onDoubleClick={onDouble} />;
}
