// Validates the pipeline with the engine's own validator shortly after each edit, so badges on nodes and
// the Problems tab always show exactly what a run would refuse. Moving nodes is not an edit of meaning,
// so a drag neither re-renders the caller nor revalidates.
import { useEffect } from 'react';
import { useApi, useStudioStore, useStudioWith } from '../api/context.tsx';
import { problemsByNode, sameMeaning } from '../graph/meaning.ts';
import { docFromGraph } from '../graph/model.ts';

export function useValidation(): void {
  const api = useApi();
  const store = useStudioStore();
  const graph = useStudioWith((s) => s.graph, sameMeaning);
  useEffect(() => {
    let cancelled = false;
    const timer = window.setTimeout(() => {
      api.pipelineValidate({ doc: docFromGraph(graph) }).then(
        (result) => {
          if (!cancelled) store.getState().setUi({ problems: result.problems, nodeProblems: problemsByNode(graph, result.problems) });
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
