// A stand-in for the Rust backend under `mockIPC`: records every command, and lets a test drive
// each share_file call (progress events through its Channel, then resolve or reject) the way the
// real backend would.
import type { Channel } from '@tauri-apps/api/core';
import { mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { tick } from 'svelte';

import { shownState } from '../lib/history.svelte';
import type {
  AppInfo,
  HistoryCounts,
  HistoryEntry,
  HistoryFilter,
  ProfileList,
  Share,
  ShareEvent,
  ShareRequest,
  UiError,
} from '../lib/ipc';

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

let entrySeq = 0;

/** A ledger entry; by default an active link shared a minute ago that lasts an hour. */
export function makeEntry(fields: Partial<HistoryEntry> = {}): HistoryEntry {
  const n = ++entrySeq;
  const now = Date.now();
  const id = fields.id ?? `entry${n}`;
  const name = fields.name ?? `file ${n}.txt`;
  return {
    id,
    profile: 'default',
    endpoint: 'https://s3.example.com',
    bucket: 'bucket',
    key: `${id}/${name}`,
    version_id: null,
    e_tag: '"etag"',
    name,
    size: 1000 + n,
    content_type: 'text/plain',
    created_at: new Date(now - 60_000).toISOString(),
    url: `https://bucket.s3.example.com/${id}?X-Amz-Signature=${n}`,
    expires_at: new Date(now + 3600_000).toISOString(),
    issued_at: new Date(now - 60_000).toISOString(),
    state: 'active',
    issued: 1,
    ...fields,
  };
}

/** `count` entries, newest first, named "file 0.txt", "file 1.txt", … */
export function makeEntries(count: number): HistoryEntry[] {
  return Array.from({ length: count }, (_, i) => makeEntry({ id: `e${i}`, name: `file ${i}.txt` }));
}

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function durationMs(text: string): number {
  let total = 0;
  for (const [, n = '0', unit = 's'] of text.matchAll(/(\d+)([smhd])/g)) {
    total += Number(n) * (SECONDS[unit] ?? 0);
  }
  return total * 1000;
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
  /** The ledger, newest first; the fake changes it as the real one would. */
  history?: HistoryEntry[];
  /** Entries whose re-issue, revoke or removal fails, and with what. */
  entryFailures?: Record<string, UiError>;
  /** Awaited before each re-issue, revoke or removal answers: lets a test hold them in flight. */
  gate?: () => Promise<void>;
  /** Answers history_page calls only when this resolves (to test stale answers). */
  pageGate?: (args: Record<string, unknown>) => Promise<void>;
};

export type Backend = {
  calls: Call[];
  shares: PendingShare[];
  callsOf: (cmd: string) => Call[];
  history: HistoryEntry[];
  /** The most ledger actions that were in flight at once. */
  maxInFlight: number;
};

/** Installs the fake backend (with a 'main' window and event mocking for drag and drop). */
export function mockBackend(options: BackendOptions = {}): Backend {
  const calls: Call[] = [];
  const shares: PendingShare[] = [];
  const history = options.history ?? [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };

  function matching(search: unknown, filter: HistoryFilter): HistoryEntry[] {
    const text = typeof search === 'string' ? search.toLowerCase() : '';
    const now = Date.now();
    return history.filter((e) => {
      if (text !== '' && !e.name.toLowerCase().includes(text)) return false;
      if (filter === 'all') return true;
      const shown = shownState(e, now);
      if (filter === 'active') return shown === 'active' || shown === 'expiring_soon';
      return shown === filter;
    });
  }

  /** A ledger action: counted while in flight, failing for the entries told to. */
  async function ledger<T>(id: string, act: (entry: HistoryEntry) => T): Promise<T> {
    inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    try {
      await options.gate?.();
      const failure = options.entryFailures?.[id];
      if (failure) throw failure;
      const entry = history.find((e) => e.id === id);
      if (entry === undefined) throw { code: 'history', message: `no link with id "${id}"` };
      return act(entry);
    } finally {
      inFlight -= 1;
    }
  }

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
        case 'history_page': {
          const list = matching(args.search, args.filter as HistoryFilter);
          const offset = Number(args.offset);
          const page = {
            entries: list.slice(offset, offset + Number(args.limit)),
            total: list.length,
          };
          const gate = options.pageGate?.(args);
          return gate ? gate.then(() => page) : page;
        }
        case 'history_counts': {
          const count = (f: HistoryFilter) => matching(args.search, f).length;
          const counts: HistoryCounts = {
            all: count('all'),
            active: count('active'),
            expiring_soon: count('expiring_soon'),
            expired: count('expired'),
            revoked: count('revoked'),
            missing: count('missing'),
          };
          return counts;
        }
        case 'reissue_link':
          return ledger(args.id as string, (entry) => {
            const now = Date.now();
            entry.expires_at = new Date(now + durationMs(args.expires as string)).toISOString();
            entry.issued_at = new Date(now).toISOString();
            entry.url = `${entry.url.split('?')[0]}?X-Amz-Signature=reissued${entry.issued}`;
            entry.issued += 1;
            entry.state = 'active';
            return makeShare({
              id: entry.id,
              url: entry.url,
              expires_at: entry.expires_at,
              name: entry.name,
            });
          });
        case 'revoke_link':
          return ledger(args.id as string, (entry) => {
            entry.state = 'revoked';
            return { ...entry };
          });
        case 'forget_link':
          return ledger(args.id as string, (entry) => {
            history.splice(history.indexOf(entry), 1);
            return { ...entry };
          });
        default:
          throw new Error(`unexpected command ${cmd}`);
      }
    },
    { shouldMockEvents: true },
  );
  return {
    calls,
    shares,
    callsOf: (cmd) => calls.filter((c) => c.cmd === cmd),
    history,
    get maxInFlight() {
      return state.maxInFlight;
    },
  };
}

/** Lets pending promise callbacks and Svelte updates run, without depending on timers. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await tick();
}
