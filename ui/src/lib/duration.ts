// Link lifetimes as the user types them are read by the backend (`profiles::expiry`, the same
// grammar as `linkdrop share --expires`: 90, 90s, 15m, 2h30m, 1d 12h, 2 days); the window asks it.
import { errorMessage, parseExpiry } from './ipc';

export type ParsedDuration = { ok: true; seconds: number } | { ok: false; error: string };

/** What the backend makes of `text`: its length in seconds, or why it is not a link lifetime. */
export async function checkDuration(text: string): Promise<ParsedDuration> {
  try {
    const checked = await parseExpiry(text);
    return { ok: true, seconds: checked.secs };
  } catch (e) {
    return { ok: false, error: errorMessage(e) };
  }
}
