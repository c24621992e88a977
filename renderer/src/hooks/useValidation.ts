// Validates the pipeline with the engine's own validator shortly after each edit, so badges on nodes and
// the Problems tab always show exactly what a run would refuse.
import { useEffect } from 'react';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';
import { docFromGraph } from '../graph/model.ts';

export function useValidation(): void {
  const api = useApi();
  const store = useStudioStore();
  const graph = useStudio((s) => s.graph);
  useEffect(() => {
    let cancelled = false;
    const timer = window.setTimeout(() => {
      api.pipelineValidate({ doc: docFromGraph(graph) }).then(
        (result) => {
          if (!cancelled) store.getState().setUi({ problems: result.problems });
        },
        () => undefined,
      );
    }, 250);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [api, store, graph]);
}
