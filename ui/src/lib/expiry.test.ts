import { describe, expect, it } from 'vitest';
import { CUSTOM, ExpiryChoice as Choice, STORAGE_KEY } from './expiry.svelte';
import type { ParsedDuration } from './duration';

/** The backend's reading of a duration, as far as these tests type them. */
async function check(text: string): Promise<ParsedDuration> {
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
  if (!/^(\d+[smhd])+$/.test(text.trim())) return { ok: false, error: 'Use a number with a unit.' };
  let seconds = 0;
  for (const [, n = '0', u = 's'] of text.matchAll(/(\d+)([smhd])/g))
    seconds += Number(n) * (units[u] ?? 0);
  return seconds > 604_800
    ? { ok: false, error: 'A link can live at most 7 days.' }
    : { ok: true, seconds };
}

class ExpiryChoice extends Choice {
  constructor(storage: Storage | null) {
    super(storage, check);
  }
}

function memoryStorage(initial: Record<string, string> = {}): Storage {
  const data = new Map(Object.entries(initial));
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (key) => data.get(key) ?? null,
    key: (i) => [...data.keys()][i] ?? null,
    removeItem: (key) => void data.delete(key),
    setItem: (key, value) => void data.set(key, String(value)),
  };
}

describe('ExpiryChoice', () => {
  it('starts at 1 hour when nothing was remembered', () => {
    const expiry = new ExpiryChoice(memoryStorage());
    expect(expiry.choice).toBe('1h');
    expect(expiry.value).toBe('1h');
    expect(expiry.restored).toBe(false);
  });

  it('remembers a preset and a valid custom duration', async () => {
    const storage = memoryStorage();
    const expiry = new ExpiryChoice(storage);
    expiry.select('7d');
    expect(storage.getItem(STORAGE_KEY)).toBe('7d');
    expiry.setCustom('2h30m');
    await expiry.checked;
    expect(storage.getItem(STORAGE_KEY)).toBe('2h30m');
    expect(expiry.value).toBe('2h30m');
  });

  it('does not remember an invalid custom duration and says why', async () => {
    const storage = memoryStorage({ [STORAGE_KEY]: '1d' });
    const expiry = new ExpiryChoice(storage);
    expiry.setCustom('8d');
    await expiry.checked;
    expect(expiry.value).toBe('');
    expect(expiry.error).toBe('A link can live at most 7 days.');
    expect(storage.getItem(STORAGE_KEY)).toBe('1d');
  });

  it('restores presets and custom durations', async () => {
    expect(new ExpiryChoice(memoryStorage({ [STORAGE_KEY]: '15m' })).choice).toBe('15m');
    const custom = new ExpiryChoice(memoryStorage({ [STORAGE_KEY]: '90s' }));
    await custom.checked;
    expect(custom.choice).toBe(CUSTOM);
    expect(custom.customText).toBe('90s');
    expect(custom.value).toBe('90s');
    expect(custom.restored).toBe(true);
  });

  it('ignores garbage in storage', async () => {
    const expiry = new ExpiryChoice(memoryStorage({ [STORAGE_KEY]: '<script>' }));
    await expiry.checked;
    expect(expiry.value).toBe('1h');
    expect(expiry.restored).toBe(false);
  });

  it('takes a profile default only when the user has not chosen', () => {
    const fresh = new ExpiryChoice(memoryStorage());
    fresh.useDefault('1d');
    expect(fresh.value).toBe('1d');

    const remembered = new ExpiryChoice(memoryStorage({ [STORAGE_KEY]: '15m' }));
    remembered.useDefault('1d');
    expect(remembered.value).toBe('15m');

    const picked = new ExpiryChoice(memoryStorage());
    picked.select('7d');
    picked.useDefault('1d');
    expect(picked.value).toBe('7d');
  });

  it('works without storage', () => {
    const expiry = new ExpiryChoice(null);
    expiry.select('1d');
    expect(expiry.value).toBe('1d');
  });
});
