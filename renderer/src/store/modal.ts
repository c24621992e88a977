// The one modal question the studio may be asking (discard unsaved work? a file name, a tag name, what to
// open). Commands await the answer as a promise, so they read top to bottom; the <Modals> component draws
// the question and settles it. Opening a new question while one is open answers the old one "cancel".
import type { StateCreator } from 'zustand/vanilla';
import type { StudioState } from './types.ts';

/** What the Open dialog hands back. */
export type OpenChoice = { kind: 'file'; path: string } | { kind: 'example'; id: string } | { kind: 'browse' };

export type Modal =
  | { kind: 'confirm'; title: string; body: string; confirmLabel: string; danger: boolean; resolve: (ok: boolean) => void }
  | {
    kind: 'text';
    title: string;
    label: string;
    initial: string;
    confirmLabel: string;
    /** A line under the field (what the name is used for). */
    hint: string;
    /** An error for the value, or null when it is fine; the confirm button waits for a fine value. */
    check: (value: string) => string | null;
    resolve: (value: string | null) => void;
  }
  | { kind: 'save-as'; initial: string; resolve: (path: string | null) => void }
  | { kind: 'open'; resolve: (choice: OpenChoice | null) => void };

/** Every kind of question, without its `resolve` (the slice supplies it). */
export type Question = Modal extends infer M ? (M extends Modal ? Omit<M, 'resolve'> : never) : never;

type Answer<Q extends Question> = Extract<Modal, { kind: Q['kind'] }> extends { resolve: (value: infer A) => void } ? A : never;

export interface ModalSlice {
  modal: Modal | undefined;
  /** Asks a question and resolves with the answer (false / null when cancelled). */
  ask: <Q extends Question>(question: Q) => Promise<Answer<Q>>;
}

const cancelled: Record<Modal['kind'], false | null> = { confirm: false, text: null, 'save-as': null, open: null };

export const createModalSlice: StateCreator<StudioState, [], [], ModalSlice> = (set, get) => ({
  modal: undefined,
  ask: <Q extends Question>(question: Q) => new Promise<Answer<Q>>((resolve) => {
    const previous = get().modal;
    if (previous) (previous.resolve as (value: false | null) => void)(cancelled[previous.kind]);
    const modal = {
      ...question,
      resolve: (value: Answer<Q>) => {
        if (get().modal === modal) set({ modal: undefined });
        resolve(value);
      },
    } as unknown as Modal;
    set({ modal });
  }),
});
