// "The registry's subjects changed" (a schema was registered), from the schema browser to the rail's
// subject list: two components far apart in the tree, so a tiny listener set instead of store state.
type Listener = () => void;
const listeners = new Set<Listener>();

export function onSubjectsChanged(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function subjectsChanged(): void {
  for (const listener of listeners) listener();
}
