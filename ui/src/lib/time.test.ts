import { describe, expect, it } from 'vitest';
import { formatCountdown, formatExpiredAgo, formatRemaining, formatTimeLeft } from './time';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const s = (seconds: number) => NOW + seconds * 1000;

describe('formatCountdown', () => {
  it('shows minutes and seconds under an hour', () => {
    expect(formatCountdown(s(59 * 60 + 58), NOW)).toBe('expires in 59 min 58 s');
  });

  it('shows hours and minutes under a day', () => {
    expect(formatCountdown(s(3 * 3600 + 12 * 60 + 40), NOW)).toBe('expires in 3 h 12 min');
  });

  it('shows days and hours beyond a day', () => {
    expect(formatCountdown(s(6 * 86400 + 23 * 3600 + 59 * 60), NOW)).toBe('expires in 6 d 23 h');
    expect(formatCountdown(s(7 * 86400), NOW)).toBe('expires in 7 d');
  });

  it('shows seconds alone under a minute', () => {
    expect(formatCountdown(s(42), NOW)).toBe('expires in 42 s');
  });

  it('leaves out a zero second unit', () => {
    expect(formatCountdown(s(3600), NOW)).toBe('expires in 1 h');
    expect(formatCountdown(s(120), NOW)).toBe('expires in 2 min');
  });

  it('rounds partial seconds up, so the last second still counts', () => {
    expect(formatCountdown(NOW + 400, NOW)).toBe('expires in 1 s');
    expect(formatCountdown(NOW + 59_001, NOW)).toBe('expires in 1 min');
  });

  it('says expired at and after the end', () => {
    expect(formatCountdown(NOW, NOW)).toBe('expired');
    expect(formatCountdown(s(-5), NOW)).toBe('expired');
  });
});

describe('formatExpiredAgo', () => {
  it('counts down like formatCountdown before the end', () => {
    expect(formatExpiredAgo(s(42), NOW)).toBe('expires in 42 s');
  });

  it('says how long ago a link expired', () => {
    expect(formatExpiredAgo(s(-10), NOW)).toBe('expired just now');
    expect(formatExpiredAgo(s(-60), NOW)).toBe('expired 1 minute ago');
    expect(formatExpiredAgo(s(-5 * 60 - 30), NOW)).toBe('expired 5 minutes ago');
    expect(formatExpiredAgo(s(-3600), NOW)).toBe('expired 1 hour ago');
    expect(formatExpiredAgo(s(-23 * 3600), NOW)).toBe('expired 23 hours ago');
    expect(formatExpiredAgo(s(-86400), NOW)).toBe('expired 1 day ago');
    expect(formatExpiredAgo(s(-2 * 86400 - 7200), NOW)).toBe('expired 2 days ago');
  });
});

describe('formatRemaining', () => {
  it('uses the two largest units', () => {
    expect(formatRemaining(0)).toBe('0 s');
    expect(formatRemaining(61)).toBe('1 min 1 s');
    expect(formatRemaining(86400 + 59)).toBe('1 d');
  });
});

describe('formatTimeLeft', () => {
  it('estimates seconds, minutes and hours left', () => {
    expect(formatTimeLeft(20)).toBe('about 20 s left');
    expect(formatTimeLeft(19.2)).toBe('about 20 s left');
    expect(formatTimeLeft(0)).toBe('about 1 s left');
    expect(formatTimeLeft(150)).toBe('about 3 min left');
    expect(formatTimeLeft(3599)).toBe('about 1 h left');
    expect(formatTimeLeft(3 * 3600 + 5 * 60)).toBe('about 3 h 5 min left');
  });
});
