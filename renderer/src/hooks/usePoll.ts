import { useEffect, useRef } from 'react';

/** Calls `task` now and then every `intervalMs` while `enabled`; a slow task is never run twice at once. */
export function usePoll(task: () => Promise<void> | void, intervalMs: number, enabled = true, deps: readonly unknown[] = []): void {
  const latest = useRef(task);
  latest.current = task;
  useEffect(() => {
    if (!enabled) return undefined;
    let busy = false;
    let stopped = false;
    const tick = async () => {
      if (busy || stopped) return;
      busy = true;
      try {
        await latest.current();
      } finally {
        busy = false;
      }
    };
    void tick();
    const timer = window.setInterval(() => void tick(), intervalMs);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [enabled, intervalMs, ...deps]);
}
