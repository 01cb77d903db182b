// Sizes and transfer rates in binary units, the way file managers show them.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** "0 B", "512 B", "1.5 KiB", "12.3 MiB", "150 MiB", "2.0 GiB". */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
    // Stay below 1024 after rounding: 1023.96 KiB reads better as "1.0 MiB" than "1024 KiB".
    const digits = value < 100 ? 1 : 0;
    if (Number(value.toFixed(digits)) < 1024 || unit === UNITS.length - 1) break;
  }
  return `${value.toFixed(value < 100 ? 1 : 0)} ${UNITS[unit]}`;
}

/** "12.3 MiB/s". */
export function formatRate(bytesPerSecond: number): string {
  return `${formatSize(bytesPerSecond)}/s`;
}
