/** localStorage, or null where it is missing or refused (private mode, no webview storage). */
export function defaultStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
