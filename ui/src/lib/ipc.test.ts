import { describe, expect, it, vi } from 'vitest';
import { listenWhileMounted } from './ipc';

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('listenWhileMounted', () => {
  it('stops the listener when the effect ends, and runs what follows listening', async () => {
    const unlisten = vi.fn();
    const listening = vi.fn();
    const stop = listenWhileMounted(() => Promise.resolve(unlisten), undefined, listening);
    await settle();
    expect(listening).toHaveBeenCalledOnce();
    expect(unlisten).not.toHaveBeenCalled();
    stop();
    expect(unlisten).toHaveBeenCalledOnce();
  });

  it('stops a listener that arrives after the effect ended, without running the rest', async () => {
    const unlisten = vi.fn();
    const listening = vi.fn();
    let arrive: (u: () => void) => void = () => {};
    const stop = listenWhileMounted(() => new Promise((r) => (arrive = r)), undefined, listening);
    stop();
    arrive(unlisten);
    await settle();
    expect(unlisten).toHaveBeenCalledOnce();
    expect(listening).not.toHaveBeenCalled();
  });

  it('says why there is no event bus, only while mounted, and a throw counts too', async () => {
    const unavailable = vi.fn();
    listenWhileMounted(() => {
      throw new Error('no Tauri');
    }, unavailable);
    await settle();
    expect(unavailable).toHaveBeenCalledWith(new Error('no Tauri'));

    const late = vi.fn();
    const stop = listenWhileMounted(() => Promise.reject(new Error('gone')), late);
    stop();
    await settle();
    expect(late).not.toHaveBeenCalled();
  });

  it('a listener that fails to stop is not an error', async () => {
    const stop = listenWhileMounted(() =>
      Promise.resolve(() => {
        throw new Error('window closing');
      }),
    );
    await settle();
    expect(() => stop()).not.toThrow();
  });
});
