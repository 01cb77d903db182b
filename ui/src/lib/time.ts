// Durations in words: link countdowns, "expired … ago", time left of an upload.

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

function join(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
}

/**
 * A remaining duration in whole seconds, with the two largest units: "42 s", "59 min 58 s",
 * "3 h 12 min", "6 d 23 h".
 */
export function formatRemaining(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < MINUTE) return `${s} s`;
  if (s < HOUR) return join(Math.floor(s / MINUTE), 'min', s % MINUTE, 's');
  if (s < DAY) return join(Math.floor(s / HOUR), 'h', Math.floor((s % HOUR) / MINUTE), 'min');
  return join(Math.floor(s / DAY), 'd', Math.floor((s % DAY) / HOUR), 'h');
}

/** Whole seconds left until `expiresAt`, rounded up so that "1 s" shows until the very end. */
function secondsLeft(expiresAtMs: number, nowMs: number): number {
  return Math.ceil((expiresAtMs - nowMs) / 1000);
}

/** "expires in 59 min 58 s", … , "expired". Times in milliseconds since the epoch. */
export function formatCountdown(expiresAtMs: number, nowMs: number): string {
  const left = secondsLeft(expiresAtMs, nowMs);
  return left <= 0 ? 'expired' : `expires in ${formatRemaining(left)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Like `formatCountdown`, but says how long ago a link expired: "expired just now",
 * "expired 5 minutes ago", "expired 1 hour ago", "expired 2 days ago".
 */
export function formatExpiredAgo(expiresAtMs: number, nowMs: number): string {
  if (secondsLeft(expiresAtMs, nowMs) > 0) return formatCountdown(expiresAtMs, nowMs);
  const ago = Math.floor((nowMs - expiresAtMs) / 1000);
  if (ago < MINUTE) return 'expired just now';
  if (ago < HOUR) return `expired ${plural(Math.floor(ago / MINUTE), 'minute')} ago`;
  if (ago < DAY) return `expired ${plural(Math.floor(ago / HOUR), 'hour')} ago`;
  return `expired ${plural(Math.floor(ago / DAY), 'day')} ago`;
}

/** An estimate of an upload's remaining time: "about 20 s left", "about 3 min left". */
export function formatTimeLeft(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < MINUTE) return `about ${s} s left`;
  const minutes = Math.round(s / MINUTE);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${formatRemaining(minutes * MINUTE)} left`;
}
