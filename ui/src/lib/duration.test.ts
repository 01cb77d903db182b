import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration';

describe('parseDuration', () => {
  it('adds up number+unit groups', () => {
    expect(parseDuration('90s')).toEqual({ ok: true, seconds: 90 });
    expect(parseDuration('15m')).toEqual({ ok: true, seconds: 900 });
    expect(parseDuration('2h30m')).toEqual({ ok: true, seconds: 9000 });
    expect(parseDuration(' 1d 12h ')).toEqual({ ok: true, seconds: 129_600 });
    expect(parseDuration('7d')).toEqual({ ok: true, seconds: 604_800 });
  });

  it('rejects what is not a duration', () => {
    for (const text of ['', '  ', '90', 'h', '1.5h', '2w', '1H', '-1h', '1h foo']) {
      expect(parseDuration(text).ok, text).toBe(false);
    }
  });

  it('keeps within 1 second and 7 days', () => {
    expect(parseDuration('0s')).toEqual({
      ok: false,
      error: 'A link must live at least 1 second.',
    });
    expect(parseDuration('7d1s')).toEqual({ ok: false, error: 'A link can live at most 7 days.' });
    expect(parseDuration('8d').ok).toBe(false);
  });
});
