// The room a fit of the canvas leaves free around the nodes, in pixels: the toolbar above, the zoom
// controls left, the minimap right (when shown). Canvas.tsx fits into it; the e2e specs pan a node into it
// before clicking (e2e/helpers/canvas.ts), so both read the same numbers.
export interface FitMargins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export function fitMargins(minimap: boolean): FitMargins {
  return { top: 64, left: 64, bottom: 24, right: minimap ? 212 : 32 };
}
