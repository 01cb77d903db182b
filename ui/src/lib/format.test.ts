import { describe, expect, it } from 'vitest';
import { formatRate, formatSize } from './format';

describe('formatSize', () => {
  it('shows bytes below 1 KiB', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1023)).toBe('1023 B');
  });

  it('uses binary units with one decimal below 100', () => {
    expect(formatSize(1024)).toBe('1.0 KiB');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(12.3 * 1024 ** 2)).toBe('12.3 MiB');
    expect(formatSize(2 * 1024 ** 3)).toBe('2.0 GiB');
  });

  it('drops the decimal from 100 up', () => {
    expect(formatSize(150 * 1024 ** 2)).toBe('150 MiB');
  });

  it('moves to the next unit instead of showing 1024', () => {
    expect(formatSize(1024 ** 2 - 1)).toBe('1.0 MiB');
  });

  it('does not pretend to know nonsense', () => {
    expect(formatSize(-1)).toBe('—');
    expect(formatSize(Number.NaN)).toBe('—');
  });
});

describe('formatRate', () => {
  it('appends /s', () => {
    expect(formatRate(12.3 * 1024 ** 2)).toBe('12.3 MiB/s');
    expect(formatRate(500.4)).toBe('500 B/s');
  });
});
