// Fan-out of host events to every connected renderer (one per window or browser tab).
import type { StudioEvent, StudioListener } from '../contract.ts';

export class EventHub {
  private readonly listeners = new Set<StudioListener>();

  subscribe(listener: StudioListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: StudioEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A closed socket or window must not stop the others from receiving the event.
      }
    }
  }
}
