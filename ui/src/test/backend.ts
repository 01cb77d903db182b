// A stand-in for the Rust backend under `mockIPC`: records every command, and lets a test drive
// each share_file call (progress events through its Channel, then resolve or reject) the way the
// real backend would.
import type { Channel } from '@tauri-apps/api/core';
import { emit } from '@tauri-apps/api/event';
import { mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { tick } from 'svelte';

import { shownState } from '../lib/history.svelte';
import type {
  AppInfo,
  AwsProfile,
  CheckReport,
  CutShort,
  RequestForm,
  RequestView,
  UploadRequest,
  HandedFile,
  HandedShare,
  ProfileForm,
  ProfileView,
  Provider,
  SecretChange,
  HistoryCounts,
  HistoryEntry,
  HistoryFilter,
  PageShare,
  ProfileList,
  StorageReport,
  TidyAction,
  Share,
  ShareEvent,
  ShareRequest,
  UiError,
} from '../lib/ipc';

export type Call = { cmd: string; args: Record<string, unknown> };

/** Paths "handed over" so far, by id: the backend keeps them, the window only sees ids. */
const handedPaths = new Map<number, string>();

/** Hands paths to the window as the backend does: an id and the name to show for each. */
export function hand(paths: readonly string[]): HandedFile[] {
  return paths.map((path) => {
    const id = handedPaths.size + 1;
    handedPaths.set(id, path);
    const name = path.replace(/\/+$/, '').split('/').pop() ?? path;
    return { id, name, shown_path: path };
  });
}

/** What the backend emits when files are dropped on the window or come from the tray. */
export async function handOver(
  paths: readonly string[],
  expires: string | null = null,
  how: { encrypt?: boolean; page?: boolean } = {},
): Promise<void> {
  const share: HandedShare = {
    files: hand(paths),
    expires,
    profile: null,
    encrypt: how.encrypt ?? null,
    page: how.page ?? null,
  };
  await emit('share-paths', share);
}

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

  /** The path behind the handed file this share was asked for. */
  get path(): string {
    return handedPaths.get(this.request.file) ?? `<file ${this.request.file} never handed over>`;
  }

  resolve(share: Partial<Share> = {}): Share {
    const full = makeShare({ name: this.path.split('/').pop() ?? 'file', ...share });
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
    encrypted: false,
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
  const entry: HistoryEntry = {
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
    kind: 'file',
    page_id: null,
    encrypted: false,
    deletes_at: null,
    expiring_soon_at: '',
    ...fields,
  };
  return fields.expiring_soon_at ? entry : withSoon(entry);
}

/** The backend's rule for when a link is "expiring soon" (`history::expiring_soon_at`), which the
 *  fake must imitate as the real backend serves it: a tenth of the lifetime before expiry. */
function withSoon(entry: HistoryEntry): HistoryEntry {
  const expires = Date.parse(entry.expires_at);
  const lifetime = Math.max(0, expires - Date.parse(entry.issued_at));
  entry.expiring_soon_at = new Date(expires - lifetime / 10).toISOString();
  return entry;
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

/** A stand-in for the backend's `parse_expiry` (`profiles::expiry`), for the durations tests type;
 *  its refusals are the backend's words (`ExpiryError::for_a_field`). */
function parseExpiry(text: string): { secs: number; text: string } {
  const input = text.trim();
  const refuse = (message: string) => {
    throw { code: 'expiry', message };
  };
  if (input === '') refuse('Enter a duration like 2h30m.');
  if (!/^(\d+\s*[smhd]?\s*)+$/.test(input))
    refuse('Use a number with a unit, like 90s, 45m, 2h30m or 3d (a bare number is seconds).');
  const secs = /^\d+$/.test(input) ? Number(input) : durationMs(input) / 1000;
  if (secs < 1) refuse('A link must live at least 1 second.');
  if (secs > 604_800) refuse('A link can live at most 7 days.');
  return { secs, text: input };
}

export const PROVIDERS: Provider[] = [
  {
    id: 'aws',
    name: 'AWS S3',
    endpoint: null,
    endpoint_example: null,
    default_region: 'us-east-1',
    fixed_region: false,
    regions: ['us-east-1', 'eu-west-1'],
    account_label: null,
    path_style: false,
    browser_uploads: true,
    help: 'An IAM access key.',
  },
  {
    id: 'r2',
    name: 'Cloudflare R2',
    endpoint: 'https://{account}.r2.cloudflarestorage.com',
    endpoint_example: null,
    default_region: 'auto',
    fixed_region: true,
    regions: ['auto'],
    account_label: 'Account ID',
    path_style: true,
    browser_uploads: false,
    help: 'An R2 API token.',
  },
  {
    id: 'b2',
    name: 'Backblaze B2',
    endpoint: 'https://s3.{region}.backblazeb2.com',
    endpoint_example: null,
    default_region: 'us-west-004',
    fixed_region: false,
    regions: ['us-west-004', 'eu-central-003'],
    account_label: null,
    path_style: false,
    browser_uploads: false,
    help: 'A B2 application key.',
  },
  {
    id: 'minio',
    name: 'MinIO',
    endpoint: '',
    endpoint_example: 'http://127.0.0.1:9000',
    default_region: 'us-east-1',
    fixed_region: false,
    regions: ['us-east-1'],
    account_label: null,
    path_style: true,
    browser_uploads: true,
    help: 'A MinIO access key.',
  },
  {
    id: 'custom',
    name: 'Other S3-compatible',
    endpoint: '',
    endpoint_example: 'https://s3.example.com',
    default_region: 'us-east-1',
    fixed_region: false,
    regions: [],
    account_label: null,
    path_style: true,
    browser_uploads: true,
    help: 'Any S3 server.',
  },
];

export function makeRequest(fields: Partial<UploadRequest> = {}): UploadRequest {
  return {
    id: 'r1',
    name: 'Invoices',
    from: null,
    note: null,
    profile: 'default',
    endpoint: 'https://s3.example.com',
    bucket: 'b',
    folder: 'requests/r1/',
    page_key: 'requests/r1/index.html',
    url: 'https://b.s3.example.com/requests/r1/index.html?X-Amz-Signature=00',
    created_at: new Date().toISOString(),
    expires_at: new Date(Date.now() + 3600e3).toISOString(),
    max_size: 100_000_000,
    accept: [],
    closed_at: null,
    page_deleted_at: null,
    files: 0,
    warnings: [],
    ...fields,
  };
}

export function makeProfileView(fields: Partial<ProfileForm> = {}, isDefault = false): ProfileView {
  return {
    form: {
      name: 'work',
      bucket: 'work-bucket',
      endpoint: null,
      region: 'eu-west-1',
      prefix: '',
      path_style: false,
      default_expiry: null,
      credentials: { kind: 'keychain' },
      access_key_id: 'AKIAWORK',
      allow_insecure_http: false,
      delete_after_expiry: false,
      deletion_grace: null,
      ...fields,
    },
    is_default: isDefault,
    local_store: false,
  };
}

/** A connection check where every step passed, or `failing` failed with a fix. */
export function makeReport(profile: string, failing: string | null = null): CheckReport {
  const ids = [
    'endpoint',
    'credentials',
    'bucket',
    'region',
    'write',
    'read',
    'link',
    'delete',
    'clock',
    'lifetime',
  ] as const;
  let failed = false;
  return {
    profile,
    steps: ids.map((id) => {
      if (id === failing) {
        failed = true;
        return { id, title: id, outcome: 'failed', detail: `${id} failed`, fix: `fix the ${id}` };
      }
      return failed
        ? { id, title: id, outcome: 'skipped', detail: 'not checked', fix: null }
        : { id, title: id, outcome: 'passed', detail: `${id} ok`, fix: null };
    }),
    detected_region: null,
    longest_link_secs: 604800,
  };
}

export const ONE_PROFILE: ProfileList = {
  default: 'default',
  profiles: [
    {
      name: 'default',
      bucket: 'bucket',
      endpoint: null,
      default_expiry: null,
      delete_after_expiry: false,
    },
  ],
};

export const TWO_PROFILES: ProfileList = {
  default: 'work',
  profiles: [
    {
      name: 'home',
      bucket: 'home-bucket',
      endpoint: null,
      default_expiry: null,
      delete_after_expiry: false,
    },
    {
      name: 'work',
      bucket: 'work-bucket',
      endpoint: 'https://s3.example.com',
      default_expiry: null,
      delete_after_expiry: true,
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
  /** The files on each page of `history`, by the page's id. */
  pageFiles?: Record<string, HistoryEntry[]>;
  /** Entries whose re-issue, revoke or removal fails, and with what. */
  entryFailures?: Record<string, UiError>;
  /** Awaited before each re-issue, revoke or removal answers: lets a test hold them in flight. */
  gate?: () => Promise<void>;
  /** Answers history_page calls only when this resolves (to test stale answers). */
  pageGate?: (args: Record<string, unknown>) => Promise<void>;
  /** The desktop settings the backend starts with (shortcut off, no start at login). */
  desktop?: {
    share_shortcut: string | null;
    start_at_login: boolean;
    encrypt_by_default?: boolean;
  };
  /** set_share_shortcut refuses this one, as when another application holds it. */
  shortcutTaken?: string;
  /** Files handed to the app before the window listened. */
  pendingShares?: Array<{ paths: string[]; expires: string | null }>;
  /** The Settings view's profiles; the fake changes them as the real backend would. */
  settings?: ProfileView[];
  awsProfiles?: AwsProfile[];
  /** The connection check's answer for a form and the secret it holds. */
  check?: (form: ProfileForm, secret: SecretChange) => CheckReport;
  /** The upload requests, newest first; the fake changes them as the real backend would. */
  requests?: RequestView[];
  /** What storage_report answers; tidy_storage empties the part it tidies. */
  storage?: StorageReport;
  /** Uploads cut short; resuming one hands its file to the window, as the backend does. */
  cutShort?: CutShort[];
};

export type Backend = {
  calls: Call[];
  shares: PendingShare[];
  callsOf: (cmd: string) => Call[];
  history: HistoryEntry[];
  settings: ProfileView[];
  /** The most ledger actions that were in flight at once. */
  maxInFlight: number;
  requests: RequestView[];
};

/** Installs the fake backend (with a 'main' window and event mocking for drag and drop). */
export function mockBackend(options: BackendOptions = {}): Backend {
  const calls: Call[] = [];
  const shares: PendingShare[] = [];
  const history = options.history ?? [];
  const onPages = new Map(Object.entries(options.pageFiles ?? {}));
  const settings = options.settings ?? [];
  const requests = options.requests ?? [];
  const cutShort = options.cutShort ?? [];
  const desktop = {
    share_shortcut: null as string | null,
    start_at_login: false,
    encrypt_by_default: false,
    ...options.desktop,
  };
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
            options.appInfo ?? {
              version: '1.2.3',
              default_profile: 'default',
              data_dir: '/tmp/ld',
              new_user: false,
            }
          );
        case 'list_profiles':
          return options.profiles ?? ONE_PROFILE;
        case 'choose_files': {
          const chosen = options.chosen ?? [];
          return hand(typeof chosen === 'function' ? chosen() : chosen);
        }
        case 'endpoint_is_insecure':
          // The backend's rule is tested in Rust (`profiles::insecure_endpoint`); this is enough
          // to drive the form.
          return (
            typeof args.endpoint === 'string' &&
            /^http:\/\/(?!localhost|127\.|\[::1\])/.test(args.endpoint)
          );
        case 'share_page': {
          // One pending share for the whole page, known by its first file.
          const request = args.request as { files: number[] } & Omit<ShareRequest, 'file'>;
          const share = new PendingShare(
            { ...request, file: request.files[0] ?? 0 },
            args.onEvent as Channel<ShareEvent>,
          );
          shares.push(share);
          options.onShare?.(share);
          return share.promise;
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
        case 'take_pending_shares':
          return (options.pendingShares ?? []).map(({ paths, expires }) => ({
            files: hand(paths),
            expires,
            profile: null,
            encrypt: null,
            page: null,
          }));
        case 'settings_profiles':
          return settings.map((v) => ({ ...v, form: { ...v.form } }));
        case 'provider_presets':
          return PROVIDERS;
        case 'parse_expiry':
          return parseExpiry(String(args.text));
        case 'aws_profiles':
          return options.awsProfiles ?? [];
        case 'desktop_prefs':
          return { ...desktop };
        case 'set_share_shortcut': {
          const shortcut = args.shortcut as string | null;
          if (shortcut !== null && shortcut === options.shortcutTaken) {
            throw {
              code: 'shortcut',
              message: `${shortcut} cannot be used: another application may have it; try another`,
            } satisfies UiError;
          }
          desktop.share_shortcut = shortcut;
          return null;
        }
        case 'set_start_at_login':
          desktop.start_at_login = args.enabled as boolean;
          return null;
        case 'set_encrypt_by_default':
          desktop.encrypt_by_default = args.enabled as boolean;
          return null;
        case 'check_profile': {
          const form = args.form as ProfileForm;
          return options.check?.(form, args.secret as SecretChange) ?? makeReport(form.name);
        }
        case 'save_profile': {
          const form = args.form as ProfileForm;
          const original = args.original as string | null;
          const taken = settings.some((v) => v.form.name === form.name && v.form.name !== original);
          if (taken) {
            throw { code: 'profile', message: `a profile named "${form.name}" exists already` };
          }
          const index = settings.findIndex((v) => v.form.name === original);
          const makeDefault = args.makeDefault === true;
          const view: ProfileView = {
            form,
            is_default: makeDefault || (index >= 0 && settings[index]?.is_default === true),
            local_store: index >= 0 && settings[index]?.local_store === true,
          };
          if (view.is_default) for (const v of settings) v.is_default = false;
          if (index >= 0) settings[index] = view;
          else settings.push(view);
          return view;
        }
        case 'remove_profile': {
          const index = settings.findIndex((v) => v.form.name === args.name);
          settings.splice(index, 1);
          return null;
        }
        case 'set_default_profile':
          for (const v of settings) v.is_default = v.form.name === args.name;
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
            deleted: count('deleted'),
          };
          return counts;
        }
        case 'reissue_link':
          return ledger(args.id as string, (entry) => {
            const now = Date.now();
            entry.expires_at = new Date(now + durationMs(args.expires as string)).toISOString();
            entry.issued_at = new Date(now).toISOString();
            withSoon(entry);
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
        case 'page_of_entries': {
          // As the backend: the files go under a new page (and out of the list), nothing uploaded.
          const ids = args.ids as string[];
          const files = ids.map((id) => history.find((e) => e.id === id) as HistoryEntry);
          const nested = files.find((f) => f.kind === 'page');
          if (nested) {
            throw { code: 'not_for_a_page', message: `${nested.name} is a page already` };
          }
          const page = makeEntry({
            kind: 'page',
            name: `${files[0]?.name} and ${files.length - 1} more files`,
            url: 'https://bucket.s3.example.com/page/index.html?X-Amz-Signature=page',
          });
          for (const f of files) {
            f.page_id = page.id;
            history.splice(history.indexOf(f), 1);
          }
          history.unshift(page);
          onPages.set(page.id, files);
          const share: PageShare = {
            id: page.id,
            url: page.url,
            expires_at: page.expires_at,
            name: page.name,
            size: files.reduce((n, f) => n + f.size, 0),
            encrypted: false,
            profile: page.profile,
            bucket: page.bucket,
            key: page.key,
            files: [],
            warnings: [],
          };
          return share;
        }
        case 'storage_report': {
          if (options.storage === undefined) throw { code: 'storage', message: 'no bucket' };
          return structuredClone(options.storage);
        }
        case 'cut_short_uploads':
          return structuredClone(cutShort);
        case 'resume_cut_short':
        case 'discard_cut_short': {
          const index = cutShort.findIndex((u) => u.upload_id === args.uploadId);
          const upload = cutShort[index];
          if (upload === undefined) throw { code: 'upload', message: 'no such upload' };
          if (cmd === 'resume_cut_short' && !upload.resumable) {
            throw { code: 'file_changed', message: 'this upload cannot be resumed any more' };
          }
          cutShort.splice(index, 1);
          if (cmd === 'resume_cut_short') void handOver([upload.file], '1h');
          return null;
        }
        case 'tidy_storage': {
          const report = options.storage;
          if (report === undefined) throw { code: 'storage', message: 'no bucket' };
          const action = args.action as TidyAction;
          let done = 0;
          if (action === 'delete_expired') {
            done = report.expired_ids.length;
            report.linkdrop.objects -= report.expired.objects;
            report.linkdrop.bytes -= report.expired.bytes;
            report.expired = { objects: 0, bytes: 0 };
            report.expired_ids = [];
          } else if (action === 'abort_unfinished') {
            done = report.unfinished.length;
            report.unfinished = [];
          } else {
            done = report.unknown.length;
            report.unknown = [];
          }
          return { done, failed: [] };
        }
        case 'lifecycle_plan':
        case 'install_lifecycle':
          return {
            bucket: 'b',
            supported: true,
            note: null,
            rules: '<LifecycleConfiguration>…</LifecycleConfiguration>',
            installed: cmd === 'install_lifecycle',
            others: ['their-logs'],
          };
        case 'page_files':
          return onPages.get(args.id as string) ?? [];
        case 'copy_entry_link':
          return null;
        case 'revoke_link':
          return ledger(args.id as string, (entry) => {
            entry.state = 'revoked';
            return { ...entry };
          });
        case 'list_requests':
          return structuredClone(requests);
        case 'refresh_requests':
          return null;
        case 'create_request': {
          const form = args.form as RequestForm;
          if (form.max_size === 'lots') {
            throw { code: 'invalid_request', message: '"lots" is not a size' };
          }
          const request = makeRequest({ name: form.name, from: form.from, note: form.note });
          requests.unshift({
            request,
            state: 'open',
            max_size_text: '100 MB',
            accept_text: null,
            arrivals: [],
          });
          return request;
        }
        case 'close_request': {
          const view = requests.find((v) => v.request.id === args.id);
          if (!view) throw { code: 'no_such_request', message: 'no such request' };
          view.state = 'closed';
          view.request.closed_at = new Date().toISOString();
          return { ...view.request, warnings: ['a form someone has open stays signed'] };
        }
        case 'delete_arrival': {
          const view = requests.find((v) => v.request.id === args.id);
          if (view) view.arrivals = view.arrivals.filter((a) => a.key !== args.key);
          return null;
        }
        case 'open_arrival':
          return null;
        case 'save_arrivals':
          return ['/home/me/Downloads/contract.pdf'];
        case 'share_arrival':
          return makeShare({ name: 'contract.pdf' });
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
    settings,
    requests,
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
