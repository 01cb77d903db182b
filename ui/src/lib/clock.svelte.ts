// The page's one clock. Countdowns read `clock.now`; a single interval ticks once a second while
// anything on the page reads it, and stops when nothing does. No component runs a timer of its own.
import { createSubscriber } from 'svelte/reactivity';

export const TICK_MS = 1000;

class Clock {
  #now = Date.now();
  #running = false;
  readonly #subscribe = createSubscriber((update) => {
    this.#now = Date.now();
    this.#running = true;
    const id = setInterval(() => {
      this.#now = Date.now();
      update();
    }, TICK_MS);
    return () => {
      clearInterval(id);
      this.#running = false;
    };
  });

  /** Milliseconds since the epoch, as of the last tick; reading it in a reactive context subscribes. */
  get now(): number {
    this.#subscribe();
    return this.#running ? this.#now : Date.now();
  }
}

export const clock = new Clock();
