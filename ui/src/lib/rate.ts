// Transfer rate smoothed over a sliding window, from (time, bytes sent) samples.

type Sample = { t: number; bytes: number };

export class RateMeter {
  readonly #windowMs: number;
  readonly #minSpanMs: number;
  #samples: Sample[] = [];

  /**
   * @param windowMs how far back the average reaches
   * @param minSpanMs below this much history there is no estimate yet
   */
  constructor(windowMs = 2000, minSpanMs = 250) {
    this.#windowMs = windowMs;
    this.#minSpanMs = minSpanMs;
  }

  /** Records that `bytes` in total had been sent at time `t` (milliseconds). */
  add(t: number, bytes: number): void {
    const last = this.#samples[this.#samples.length - 1];
    if (last !== undefined && (bytes < last.bytes || t < last.t)) {
      // The transfer started over (a retry) or the clock jumped back: old samples mean nothing.
      this.#samples = [];
    }
    this.#samples.push({ t, bytes });
    // Keep one sample at or before the window's start, so the average spans the whole window.
    while (this.#samples.length > 2 && (this.#samples[1]?.t ?? t) <= t - this.#windowMs) {
      this.#samples.shift();
    }
  }

  /** Bytes per second over the last window, or null while there is too little history. */
  rate(): number | null {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (first === undefined || last === undefined) return null;
    const span = last.t - first.t;
    if (span < this.#minSpanMs) return null;
    return ((last.bytes - first.bytes) * 1000) / span;
  }
}
