// A stand-in for the Rust backend under `mockIPC`: records every command, and lets a test drive
// each share_file call (progress events through its Channel, then resolve or reject) the way the
// real backend would.
import type { Channel } from '@tauri-apps/api/core';
import { mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { tick } from 'svelte';

import type { AppInfo, ProfileList, Share, ShareEvent, ShareRequest, UiError } from '../lib/ipc';

export type Call = { cmd: string; args: Record<string, unknown> };

type TauriInternals = { runCallback: (id: number, data: unknown) => void };

function internals(): TauriInternals {
  return (window as unknown as { __TAURI_INTERNALS__: TauriInternals }).__TAURI_INTERNALS__;
}

/** One share_file call in flight. */
export class PendingShare {
  readonly request: ShareRequest;
  readonly channel: Channel<ShareEvent>;
  readonly promise: Promise<Share>;
  settled = false;
  #index = 0;
  #resolve!: (share: Share) => void;
  #reject!: (error: UiError) => void;

  constructor(request: ShareRequest, channel: Channel<ShareEvent>) {
    this.request = request;
    this.channel = channel;
    this.promise = new Promise<Share>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Delivers one event as tauri::ipc::Channel does: an `{ index, message }` envelope. */
  send(message: ShareEvent): void {
    internals().runCallback(this.channel.id, { index: this.#index++, message });
  }

  resolve(share: Partial<Share> = {}): Share {
    const full = makeShare({ name: this.request.path.split('/').pop() ?? 'file', ...share });
    this.#end();
    this.#resolve(full);
    return full;
  }

  reject(error: UiError): void {
    this.#end();
    this.#reject(error);
  }

  #end(): void {
    if (this.settled) throw new Error('share settled twice');
    this.settled = true;
    internals().runCallback(this.channel.id, { index: this.#index, end: true });
  }
}

export function makeShare(fields: Partial<Share> = {}): Share {
  const expires = new Date(Date.now() + 3600_000);
  expires.setMilliseconds(0);
  return {
    id: 'abc123',
    url: 'https://bucket.s3.eu-west-1.amazonaws.com/abc123/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=0123456789abcdef',
    expires_at: expires.toISOString().replace('.000Z', 'Z'),
    name: 'report.pdf',
    size: 1234,
    content_type: 'application/pdf',
    profile: 'default',
    bucket: 'bucket',
    key: 'abc123/report.pdf',
    e_tag: null,
    warnings: [],
    ...fields,
  };
}

export const ONE_PROFILE: ProfileList = {
  default: 'default',
  profiles: [{ name: 'default', bucket: 'bucket', endpoint: null, default_expiry: null }],
};

export const TWO_PROFILES: ProfileList = {
  default: 'work',
  profiles: [
    { name: 'home', bucket: 'home-bucket', endpoint: null, default_expiry: null },
    {
      name: 'work',
      bucket: 'work-bucket',
      endpoint: 'https://s3.example.com',
      default_expiry: null,
    },
  ],
};

export type BackendOptions = {
  appInfo?: AppInfo;
  profiles?: ProfileList;
  /** What the native file dialog returns; a function may throw to make it fail. */
  chosen?: string[] | (() => string[]);
  /** Commands that fail, and with what. */
  failing?: Record<string, UiError>;
  /** Called for each share_file; it may settle the share right away. */
  onShare?: (share: PendingShare) => void;
};

export type Backend = {
  calls: Call[];
  shares: PendingShare[];
  callsOf: (cmd: string) => Call[];
};

/** Installs the fake backend (with a 'main' window and event mocking for drag and drop). */
export function mockBackend(options: BackendOptions = {}): Backend {
  const calls: Call[] = [];
  const shares: PendingShare[] = [];
  mockWindows('main');
  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const failure = options.failing?.[cmd];
      if (failure) throw failure;
      switch (cmd) {
        case 'app_info':
          return (
            options.appInfo ?? { version: '1.2.3', default_profile: 'default', data_dir: '/tmp/ld' }
          );
        case 'list_profiles':
          return options.profiles ?? ONE_PROFILE;
        case 'plugin:dialog|open': {
          const chosen = options.chosen ?? [];
          return typeof chosen === 'function' ? chosen() : chosen;
        }
        case 'share_file': {
          const share = new PendingShare(
            args.request as ShareRequest,
            args.onEvent as Channel<ShareEvent>,
          );
          shares.push(share);
          options.onShare?.(share);
          return share.promise;
        }
        case 'cancel_share': {
          // Like the backend: the cancelled share_file call fails with code 'cancelled'.
          const share = shares.find((s) => s.request.upload_id === args.uploadId);
          if (share && !share.settled) share.reject({ code: 'cancelled', message: 'cancelled' });
          return null;
        }
        case 'copy_link':
          return null;
        default:
          throw new Error(`unexpected command ${cmd}`);
      }
    },
    { shouldMockEvents: true },
  );
  return { calls, shares, callsOf: (cmd) => calls.filter((c) => c.cmd === cmd) };
}

/** Lets pending promise callbacks and Svelte updates run, without depending on timers. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await tick();
}
