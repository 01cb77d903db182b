// The shares started from this window: one item per file or folder, updated from the backend's
// progress events and the outcome of its share_file call.
import {
  cancelShare,
  copyLink,
  errorCode,
  errorMessage,
  shareFile,
  sharePage,
  type ErrorCode,
  type HandedFile,
  type Share,
  type ShareEvent,
} from './ipc';
import { RateMeter } from './rate';

/**
 * waiting: started, no byte sent yet (the backend may be queueing it or zipping a folder);
 * uploading: progress events arrive; done: the link is there; cancelled; failed: see `error`;
 * asking: nothing was sent, because the file looks like a secret (`error` says what it looks
 * like) and the user has to say whether to share it anyway.
 */
export type Phase = 'waiting' | 'uploading' | 'done' | 'cancelled' | 'failed' | 'asking';

export type ShareOptions = {
  expires: string;
  profile: string | null;
  /** The user said yes to sharing what looks like a secret. */
  allowSecrets?: boolean;
  /** A folder's hidden files and folders go in its zip too. */
  includeHidden?: boolean;
  /** Encrypted on this computer (pages only): the link carries the key. */
  encrypt?: boolean;
  /** Deleted from the bucket once the link expired; unset: as the profile says. */
  deleteAfterExpiry?: boolean;
};

/** The backend's code for a file that looks like a secret: the window asks before sharing it. */
export const LOOKS_SECRET: ErrorCode = 'looks_secret';

function newUploadId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // Only outside secure contexts; the backend just needs something unique per share.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ShareItem {
  /** The upload id given to the backend, also the key of the row. */
  readonly id: string;
  /** The file as the backend handed it over: its id to share it by, its name and path to show. */
  readonly file: HandedFile;
  name = $state('');
  /** Bytes, once known (from the preparing or first progress event). */
  size = $state<number | null>(null);
  sent = $state(0);
  total = $state<number | null>(null);
  /** Whole percent sent, as the backend computes it for every view. */
  percent = $state(0);
  /** Smoothed bytes per second, or null until there is enough history. */
  rate = $state<number | null>(null);
  phase = $state<Phase>('waiting');
  share = $state.raw<Share | null>(null);
  error = $state.raw<{ code: string; message: string } | null>(null);
  /** A failed copy_link, shown on the row without failing the share. */
  copyError = $state<string | null>(null);
  /** Hidden files and folders a folder's zip left out. */
  hiddenLeftOut = $state(0);
  /** How this share was started: what a "share anyway" or "with hidden files" repeats. */
  options: ShareOptions | null = null;
  /** For one link to a page of several files: all of them (`file` is the first). */
  readonly pageFiles: readonly HandedFile[] | null;

  readonly #meter = new RateMeter();

  constructor(
    file: HandedFile,
    id: string = newUploadId(),
    pageFiles: readonly HandedFile[] | null = null,
  ) {
    this.id = id;
    this.file = file;
    this.pageFiles = pageFiles;
    this.name =
      pageFiles === null || pageFiles.length < 2
        ? file.name
        : `${file.name} and ${pageFiles.length - 1} more`;
  }

  get active(): boolean {
    return this.phase === 'waiting' || this.phase === 'uploading';
  }

  /** Estimated seconds until the upload is complete, or null. */
  get secondsLeft(): number | null {
    if (this.phase !== 'uploading' || this.total === null || !this.rate) return null;
    return Math.max(0, this.total - this.sent) / this.rate;
  }

  handle(event: ShareEvent, now: number = Date.now()): void {
    if (!this.active) return;
    if (event.kind === 'preparing') {
      // For a folder this is the zip: its name ("photos.zip") and size replace the folder's.
      this.name = event.name;
      this.size = event.size;
      this.total = event.size;
      this.hiddenLeftOut = event.hidden_left_out;
    } else {
      this.#meter.add(now, event.sent);
      this.sent = event.sent;
      this.total = event.total;
      this.percent = event.percent;
      this.size ??= event.total;
      this.rate = this.#meter.rate();
      this.phase = 'uploading';
    }
  }

  /** The link is ready. Also after a cancel that came too late: the file is shared all the same. */
  finish(share: Share): void {
    this.share = share;
    this.name = share.name;
    this.size = share.size;
    this.sent = share.size;
    this.percent = 100;
    this.phase = 'done';
  }

  fail(e: unknown): void {
    if (this.phase === 'cancelled') return;
    const code = errorCode(e);
    if (code === 'cancelled') {
      this.phase = 'cancelled';
      return;
    }
    this.error = { code, message: errorMessage(e) };
    this.phase = code === LOOKS_SECRET ? 'asking' : 'failed';
  }
}

export class ShareStore {
  /** Newest first. */
  items = $state<ShareItem[]>([]);
  /** The item whose link is in the clipboard (the backend copies each link when it is ready). */
  copiedId = $state<string | null>(null);

  /** Starts one share per file; the backend decides how many upload at once. */
  start(files: readonly HandedFile[], options: ShareOptions): ShareItem[] {
    const started = files.map((file) => new ShareItem(file));
    this.items = [...started, ...this.items];
    for (const item of started) void this.#run(item, options);
    return started;
  }

  /** Starts one share of all `files` behind one link to a page. */
  startPage(files: readonly HandedFile[], options: ShareOptions): ShareItem | null {
    const first = files[0];
    if (first === undefined) return null;
    const item = new ShareItem(first, newUploadId(), files);
    this.items = [item, ...this.items];
    void this.#run(item, options);
    return item;
  }

  async #run(item: ShareItem, options: ShareOptions): Promise<void> {
    item.options = options;
    const common = {
      upload_id: item.id,
      expires: options.expires,
      profile: options.profile,
      allow_secrets: options.allowSecrets ?? false,
      include_hidden: options.includeHidden ?? false,
      delete_after_expiry: options.deleteAfterExpiry ?? null,
    };
    const onEvent = (event: ShareEvent) => item.handle(event);
    try {
      const share =
        item.pageFiles === null
          ? await shareFile({ ...common, file: item.file.id }, onEvent)
          : await sharePage(
              {
                ...common,
                files: item.pageFiles.map((f) => f.id),
                encrypt: options.encrypt ?? false,
              },
              onEvent,
            );
      item.finish(share);
      this.copiedId = item.id;
    } catch (e) {
      item.fail(e);
    }
  }

  /**
   * The user read what the file looks like and shares it anyway: the row starts again, this time
   * with the backend's guard lifted for it alone.
   */
  shareAnyway(item: ShareItem): void {
    if (item.phase !== 'asking' || item.options === null) return;
    item.error = null;
    item.phase = 'waiting';
    void this.#run(item, { ...item.options, allowSecrets: true });
  }

  /** The user decided not to share what looks like a secret: nothing was, nothing will be. */
  dontShare(item: ShareItem): void {
    if (item.phase !== 'asking') return;
    item.phase = 'cancelled';
  }

  /** Shares the folder of a done row again, with the hidden files its zip left out. */
  withHiddenFiles(item: ShareItem): ShareItem[] {
    if (item.options === null || item.hiddenLeftOut === 0) return [];
    if (item.pageFiles !== null) {
      const again = this.startPage(item.pageFiles, { ...item.options, includeHidden: true });
      return again === null ? [] : [again];
    }
    return this.start([item.file], { ...item.options, includeHidden: true });
  }

  async cancel(item: ShareItem): Promise<void> {
    if (!item.active) return;
    item.phase = 'cancelled';
    try {
      await cancelShare(item.id);
    } catch (e) {
      item.error = { code: errorCode(e), message: errorMessage(e) };
      item.phase = 'failed';
    }
  }

  /** Copies the item's link again; resolves to whether it worked. */
  async copy(item: ShareItem): Promise<boolean> {
    if (item.share === null) return false;
    try {
      await copyLink(item.share.url);
      item.copyError = null;
      this.copiedId = item.id;
      return true;
    } catch (e) {
      item.copyError = errorMessage(e);
      return false;
    }
  }
}
