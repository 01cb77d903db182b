// Link lifetimes as the user types them: number+unit groups like "90s", "15m", "2h30m", "1d 12h".
// The backend parses the same text again and has the last word.

export const MIN_SECONDS = 1;
/** SigV4 presigned links live at most 7 days. */
export const MAX_SECONDS = 7 * 86_400;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

export type ParsedDuration = { ok: true; seconds: number } | { ok: false; error: string };

const SHAPE = /^(\d+\s*[smhd]\s*)+$/;
const GROUP = /(\d+)\s*([smhd])/g;

export function parseDuration(text: string): ParsedDuration {
  const input = text.trim();
  if (input === '') return { ok: false, error: 'Enter a duration like 2h30m.' };
  if (!SHAPE.test(input)) {
    return {
      ok: false,
      error: 'Use numbers with s, m, h or d, like 90s, 45m or 2h30m.',
    };
  }
  let seconds = 0;
  for (const match of input.matchAll(GROUP)) {
    const [, amount = '0', unit = 's'] = match;
    seconds += Number(amount) * (UNIT_SECONDS[unit] ?? 0);
  }
  if (seconds < MIN_SECONDS) return { ok: false, error: 'A link must live at least 1 second.' };
  if (seconds > MAX_SECONDS) return { ok: false, error: 'A link can live at most 7 days.' };
  return { ok: true, seconds };
}
