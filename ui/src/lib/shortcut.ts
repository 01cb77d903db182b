// Turning a key press into the shortcut text the backend registers ("Ctrl+Alt+L"): modifiers
// first, then one key, named as KeyboardEvent.code names it (which the global-hotkey parser takes).

export type KeyPress = Pick<
  KeyboardEvent,
  'key' | 'code' | 'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey'
>;

export type Recorded =
  | { kind: 'shortcut'; text: string }
  /** Only modifiers so far: the text to show while the user holds them. */
  | { kind: 'partial'; text: string }
  | { kind: 'invalid'; reason: string };

const MODIFIER_CODES = /^(Control|Alt|Shift|Meta|OS|Super|Hyper|AltGraph)(Left|Right)?$/;

function keyName(code: string): string | null {
  let m = /^Key([A-Z])$/.exec(code);
  if (m) return m[1] ?? null;
  m = /^Digit([0-9])$/.exec(code);
  if (m) return m[1] ?? null;
  if (/^F([1-9]|1[0-9]|2[0-4])$/.test(code)) return code;
  if (/^Numpad[0-9]$/.test(code)) return code;
  const named: Record<string, string> = {
    Space: 'Space',
    Enter: 'Enter',
    Tab: 'Tab',
    Backspace: 'Backspace',
    Delete: 'Delete',
    Insert: 'Insert',
    Home: 'Home',
    End: 'End',
    PageUp: 'PageUp',
    PageDown: 'PageDown',
    ArrowUp: 'Up',
    ArrowDown: 'Down',
    ArrowLeft: 'Left',
    ArrowRight: 'Right',
    PrintScreen: 'PrintScreen',
    Backquote: 'Backquote',
    Minus: 'Minus',
    Equal: 'Equal',
    BracketLeft: 'BracketLeft',
    BracketRight: 'BracketRight',
    Backslash: 'Backslash',
    Semicolon: 'Semicolon',
    Quote: 'Quote',
    Comma: 'Comma',
    Period: 'Period',
    Slash: 'Slash',
  };
  return named[code] ?? null;
}

/** What a key press in the shortcut field means. */
export function recordShortcut(e: KeyPress): Recorded {
  const mods: string[] = [];
  if (e.ctrlKey) mods.push('Ctrl');
  if (e.altKey) mods.push('Alt');
  if (e.shiftKey) mods.push('Shift');
  if (e.metaKey) mods.push('Super');
  if (MODIFIER_CODES.test(e.code) || MODIFIER_CODES.test(e.key)) {
    return { kind: 'partial', text: mods.map((m) => `${m}+`).join('') };
  }
  const key = keyName(e.code);
  if (key === null)
    return { kind: 'invalid', reason: `${e.key || e.code} cannot be a shortcut key.` };
  const functionKey = /^F\d+$/.test(key);
  // A shortcut without Ctrl, Alt or Super would take a key away from typing everywhere.
  if (!functionKey && !(e.ctrlKey || e.altKey || e.metaKey)) {
    return { kind: 'invalid', reason: 'Hold Ctrl, Alt or Super with the key.' };
  }
  return { kind: 'shortcut', text: [...mods, key].join('+') };
}
