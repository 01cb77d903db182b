import { describe, expect, it } from 'vitest';
import { recordShortcut, type KeyPress } from './shortcut';

function press(code: string, mods: Partial<KeyPress> = {}, key = ''): KeyPress {
  return { code, key, ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, ...mods };
}

describe('recordShortcut', () => {
  it('names modifiers first, then the key', () => {
    expect(recordShortcut(press('KeyL', { ctrlKey: true, altKey: true }))).toEqual({
      kind: 'shortcut',
      text: 'Ctrl+Alt+L',
    });
    expect(recordShortcut(press('Digit5', { metaKey: true, shiftKey: true }))).toEqual({
      kind: 'shortcut',
      text: 'Shift+Super+5',
    });
    expect(recordShortcut(press('ArrowUp', { ctrlKey: true }))).toEqual({
      kind: 'shortcut',
      text: 'Ctrl+Up',
    });
    expect(recordShortcut(press('F9'))).toEqual({ kind: 'shortcut', text: 'F9' });
  });

  it('waits while only modifiers are held', () => {
    expect(recordShortcut(press('ControlLeft', { ctrlKey: true }, 'Control'))).toEqual({
      kind: 'partial',
      text: 'Ctrl+',
    });
    expect(recordShortcut(press('AltRight', { ctrlKey: true, altKey: true }, 'Alt'))).toEqual({
      kind: 'partial',
      text: 'Ctrl+Alt+',
    });
  });

  it('refuses keys that would be taken from typing, and keys it cannot name', () => {
    expect(recordShortcut(press('KeyL'))).toMatchObject({ kind: 'invalid' });
    expect(recordShortcut(press('KeyL', { shiftKey: true }))).toMatchObject({ kind: 'invalid' });
    expect(recordShortcut(press('IntlRo', { ctrlKey: true }, 'ro'))).toEqual({
      kind: 'invalid',
      reason: 'ro cannot be a shortcut key.',
    });
  });
});
