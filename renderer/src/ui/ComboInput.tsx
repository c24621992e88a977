// A text input with a list of choices under it (ARIA combobox): pick one, or type a value that is not
// listed (a Kafka topic that does not exist yet). Choices are filtered by what is typed.
import { useId, useState } from 'react';
import type { KeyboardEvent } from 'react';

export interface Choice {
  value: string;
  detail?: string;
}

interface ComboInputProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  choices: readonly Choice[];
  /** Enter, or picking a choice: the value is final (a list input adds it). Without it, picking sets the value. */
  onCommit?: (value: string) => void;
  placeholder?: string;
}

/** Index of the choice Enter takes while typing: exact match, else the first that starts with the text, else the first shown; -1 for none. */
export function bestMatch(shown: readonly Choice[], typed: string): number {
  if (typed === '' || shown.length === 0) return -1;
  const exact = shown.findIndex((c) => c.value.toLowerCase() === typed);
  if (exact >= 0) return exact;
  const prefix = shown.findIndex((c) => c.value.toLowerCase().startsWith(typed));
  return prefix >= 0 ? prefix : 0;
}

export function ComboInput({ label, value, onChange, choices, onCommit, placeholder }: ComboInputProps) {
  const listId = useId();
  const [open, setOpen] = useState(false);
  // Choice highlighted with the arrows, -1 for none. While typing, the best match is highlighted instead
  // (exact, then prefix, then any), so "ord" + Enter picks "orders"; Escape closes the list to keep the
  // typed text as it is (a topic that does not exist yet).
  const [active, setActive] = useState(-1);
  const typed = value.trim().toLowerCase();
  const shown = choices.filter((c) => c.value.toLowerCase().includes(typed)).slice(0, 50);
  const expanded = open && shown.length > 0;
  const highlighted = active >= 0 ? active : bestMatch(shown, typed);
  const pick = (choice: string) => {
    if (onCommit) onCommit(choice);
    else onChange(choice);
    setOpen(false);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      setActive(Math.max(0, Math.min(shown.length - 1, highlighted + (e.key === 'ArrowDown' ? 1 : -1))));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const choice = expanded && highlighted >= 0 ? shown[highlighted] : undefined;
      if (choice) pick(choice.value);
      else if (onCommit && value.trim() !== '') onCommit(value.trim());
      setOpen(false);
      setActive(-1);
    } else if (e.key === 'Escape' && expanded) {
      // Only the list closes: the next Enter takes the typed text as it is.
      e.stopPropagation();
      setOpen(false);
    }
  };
  return (
    <div className="combo">
      <input
        className="mono"
        role="combobox"
        aria-label={label}
        aria-expanded={expanded}
        aria-controls={expanded ? listId : undefined}
        aria-autocomplete="list"
        aria-activedescendant={expanded && highlighted >= 0 ? `${listId}-${highlighted}` : undefined}
        value={value}
        placeholder={placeholder}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onChange={(e) => {
          onChange(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
      />
      {expanded && (
        <div className="completion" role="listbox" id={listId} aria-label={`${label} choices`}>
          {shown.map((c, i) => (
 <button key={c.value} id={`${listId}-${i}`} type="button" role="option" aria-selected={i === highlighted} onMouseDown={(e) => { e.preventDefault(); pick(c.value); }}>
              <span className="mono">{c.value}</span>
              {c.detail && <span className="faint small">{c.detail}</span>}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
