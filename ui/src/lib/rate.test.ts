import { describe, expect, it } from 'vitest';
import { RateMeter } from './rate';

const MiB = 1024 ** 2;

describe('RateMeter', () => {
  it('has no estimate until there is some history', () => {
    const meter = new RateMeter();
    expect(meter.rate()).toBeNull();
    meter.add(0, 0);
    meter.add(100, MiB);
    expect(meter.rate()).toBeNull();
  });

  it('averages over the window', () => {
    const meter = new RateMeter(2000);
    meter.add(0, 0);
    meter.add(1000, 10 * MiB);
    meter.add(2000, 20 * MiB);
    expect(meter.rate()).toBe(10 * MiB);
  });

  it('forgets samples older than the window', () => {
    const meter = new RateMeter(2000);
    meter.add(0, 0);
    meter.add(1000, 100 * MiB); // a fast start…
    meter.add(4000, 101 * MiB); // …then a crawl
    meter.add(5000, 102 * MiB);
    meter.add(6000, 103 * MiB);
    expect(meter.rate()).toBe(MiB);
  });

  it('starts over when the byte count goes back', () => {
    const meter = new RateMeter();
    meter.add(0, 0);
    meter.add(1000, 50 * MiB);
    meter.add(1500, 0);
    expect(meter.rate()).toBeNull();
  });
});
