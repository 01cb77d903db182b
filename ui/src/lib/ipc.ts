// The single module through which the UI talks to the Rust backend.
// Components import from here, never from @tauri-apps/api or a plugin directly; component tests
// replace what is underneath with `mockIPC`.
import { Channel, invoke } from '@tauri-apps/api/core';
import { getCurrentWebview } from '@tauri-apps/api/webview';

import { listen } from '@tauri-apps/api/event';

import type { Activity } from './bindings/Activity';
import { EVENTS } from './bindings/events';
import type { AppInfo } from './bindings/AppInfo';
import type { AwsProfile } from './bindings/AwsProfile';
import type { CredentialChoice } from './bindings/CredentialChoice';
import type { CheckOutcome } from './bindings/CheckOutcome';
import type { CheckReport } from './bindings/CheckReport';
import type { CheckStep } from './bindings/CheckStep';
import type { CutShort } from './bindings/CutShort';
import type { DesktopPrefs } from './bindings/DesktopPrefs';
import type { ErrorCode } from './bindings/ErrorCode';
import type { ExpiryCheck } from './bindings/ExpiryCheck';
import type { FileId } from './bindings/FileId';
import type { HandedFile } from './bindings/HandedFile';
import type { HandedShare } from './bindings/HandedShare';
import type { HistoryCounts } from './bindings/HistoryCounts';
import type { HistoryEntry } from './bindings/HistoryEntry';
import type { HistoryFilter } from './bindings/HistoryFilter';
import type { PageShare } from './bindings/PageShare';
import type { StorageReport } from './bindings/StorageReport';
import type { LifecyclePlan } from './bindings/LifecyclePlan';
import type { TidyAction } from './bindings/TidyAction';
import type { TidyOutcome } from './bindings/TidyOutcome';
import type { HistoryPage } from './bindings/HistoryPage';
import type { LinkState } from './bindings/LinkState';
import type { ProfileForm } from './bindings/ProfileForm';
import type { ProfileList } from './bindings/ProfileList';
import type { ProfileView } from './bindings/ProfileView';
import type { Arrival } from './bindings/Arrival';
import type { RequestForm } from './bindings/RequestForm';
import type { RequestState } from './bindings/RequestState';
import type { RequestView } from './bindings/RequestView';
import type { UploadRequest } from './bindings/UploadRequest';
import type { Provider } from './bindings/Provider';
import type { SecretChange } from './bindings/SecretChange';
import type { Share } from './bindings/Share';
import type { ShareEvent } from './bindings/ShareEvent';
import type { ShareRequest } from './bindings/ShareRequest';
import type { PageRequest } from './bindings/PageRequest';
import type { UiError } from './bindings/UiError';

export type {
  Activity,
  CutShort,
  Arrival,
  RequestForm,
  RequestState,
  RequestView,
  UploadRequest,
  AppInfo,
  AwsProfile,
  CredentialChoice,
  CheckOutcome,
  CheckReport,
  CheckStep,
  DesktopPrefs,
  ErrorCode,
  ExpiryCheck,
  FileId,
  HandedFile,
  HandedShare,
  HistoryCounts,
  HistoryEntry,
  HistoryFilter,
  HistoryPage,
  LinkState,
  ProfileForm,
  ProfileList,
  ProfileView,
  Provider,
  SecretChange,
  Share,
  ShareEvent,
  ShareRequest,
  PageRequest,
  PageShare,
  StorageReport,
  LifecyclePlan,
  TidyAction,
  TidyOutcome,
  UiError,
};

export function appInfo(): Promise<AppInfo> {
  return invoke<AppInfo>('app_info');
}

/** A link lifetime read by the backend's grammar; rejects with why it is not one. */
export function parseExpiry(text: string): Promise<ExpiryCheck> {
  return invoke<ExpiryCheck>('parse_expiry', { text });
}

export function listProfiles(): Promise<ProfileList> {
  return invoke<ProfileList>('list_profiles');
}

/**
 * Shares one file (a folder is shared as a zip archive). Progress arrives through `onEvent`, at
 * most about ten times a second. The link is already in the clipboard when the promise resolves.
 */
export function shareFile(
  request: ShareRequest,
  onEvent: (event: ShareEvent) => void,
): Promise<Share> {
  const channel = new Channel<ShareEvent>();
  channel.onmessage = onEvent;
  return invoke<Share>('share_file', { request, onEvent: channel });
}

/**
 * Shares several files (or one) behind one link to a share page. Progress is over all of them;
 * the page's link is in the clipboard when the promise resolves.
 */
export function sharePage(
  request: PageRequest,
  onEvent: (event: ShareEvent) => void,
): Promise<Share> {
  const channel = new Channel<ShareEvent>();
  channel.onmessage = onEvent;
  return invoke<Share>('share_page', { request, onEvent: channel });
}

/** Stops the share with this upload id; a finished or unknown one is not an error. */
export function cancelShare(uploadId: string): Promise<void> {
  return invoke<void>('cancel_share', { uploadId });
}

export function copyLink(url: string): Promise<void> {
  return invoke<void>('copy_link', { url });
}

/**
 * One page of the link history, newest first, with how many entries the search and filter give in
 * all. `search` matches file names (case-insensitively, literally).
 */
export function historyPage(
  search: string | null,
  filter: HistoryFilter,
  limit: number,
  offset: number,
): Promise<HistoryPage> {
  return invoke<HistoryPage>('history_page', { search, filter, limit, offset });
}

/** How many entries each filter shows for `search`. */
export function historyCounts(search: string | null): Promise<HistoryCounts> {
  return invoke<HistoryCounts>('history_counts', { search });
}

/**
 * A fresh link to an already uploaded object (checked first). With `announce` it is copied and
 * notified like a new share; a bulk re-issue passes false and reports the outcome itself.
 */
export function reissueLink(id: string, expires: string, announce: boolean): Promise<Share> {
  return invoke<Share>('reissue_link', { id, expires, announce });
}

/**
 * One page for files already in the history: their links re-issued for `expires`, nothing
 * uploaded again. The page's link is copied and notified like a new share's.
 */
export function pageOfEntries(ids: string[], expires: string): Promise<PageShare> {
  return invoke<PageShare>('page_of_entries', { ids, expires });
}

/** Copies an entry's link; an encrypted page's with its key, which only the backend holds. */
export function copyEntryLink(id: string): Promise<void> {
  return invoke<void>('copy_entry_link', { id });
}

/** The files on a page, in the order they were shared. */
export function pageFiles(id: string): Promise<HistoryEntry[]> {
  return invoke<HistoryEntry[]>('page_files', { id });
}

/** Deletes the object, which kills every link to it; the entry stays, marked revoked. */
export function revokeLink(id: string): Promise<HistoryEntry> {
  return invoke<HistoryEntry>('revoke_link', { id });
}

/** Removes the entry from the history; with `deleteObject`, the object too. */
export function forgetLink(id: string, deleteObject: boolean): Promise<HistoryEntry> {
  return invoke<HistoryEntry>('forget_link', { id, deleteObject });
}

/** Called whenever the history changes (a share, re-issue, revoke or removal, from any window). */
export function onHistoryChanged(handler: () => void): Promise<() => void> {
  return listen(EVENTS.historyChanged, () => handler());
}

/** Every profile with its fields (never a secret), for the Settings view. */
export function settingsProfiles(): Promise<ProfileView[]> {
  return invoke<ProfileView[]>('settings_profiles');
}

/**
 * Saves a new profile (`original` null) or changes one, renaming it when the name changed. A typed
 * secret goes straight to the OS keychain; it is never sent back.
 */
export function saveProfile(
  original: string | null,
  form: ProfileForm,
  secret: SecretChange,
  makeDefault: boolean,
): Promise<ProfileView> {
  return invoke<ProfileView>('save_profile', { original, form, secret, makeDefault });
}

/** Removes a profile and its keychain entry; the bucket is not touched. */
export function removeProfile(name: string): Promise<void> {
  return invoke<void>('remove_profile', { name });
}

export function setDefaultProfile(name: string): Promise<void> {
  return invoke<void>('set_default_profile', { name });
}

/** The connection check of what a form describes, with the secret it holds; saves nothing. */
export function checkProfile(
  original: string | null,
  form: ProfileForm,
  secret: SecretChange,
): Promise<CheckReport> {
  return invoke<CheckReport>('check_profile', { original, form, secret });
}

export function providerPresets(): Promise<Provider[]> {
  return invoke<Provider[]>('provider_presets');
}

/** The profiles of the user's AWS shared config (~/.aws/config). */
export function awsProfiles(): Promise<AwsProfile[]> {
  return invoke<AwsProfile[]>('aws_profiles');
}

/** The global shortcut for "Share file…" and whether LinkDrop starts at login. */
export function desktopPrefs(): Promise<DesktopPrefs> {
  return invoke<DesktopPrefs>('desktop_prefs');
}

/**
 * Registers (and remembers) the global shortcut for "Share file…", like `Ctrl+Alt+L`; `null`
 * turns it off. Rejects when the system will not give the shortcut to LinkDrop.
 */
export function setShareShortcut(shortcut: string | null): Promise<void> {
  return invoke<void>('set_share_shortcut', { shortcut });
}

export function setStartAtLogin(enabled: boolean): Promise<void> {
  return invoke<void>('set_start_at_login', { enabled });
}

/** Files shared from the tray and the shortcut are encrypted; the window starts with Encrypt on. */
export function setEncryptByDefault(enabled: boolean): Promise<void> {
  return invoke<void>('set_encrypt_by_default', { enabled });
}

/**
 * Files to share that reached the app: dropped on a window, from the tray, from a second
 * `linkdrop`, or an upload to resume. The backend keeps their exact paths; the window gets ids.
 */
export function onSharePaths(handler: (request: HandedShare) => void): Promise<() => void> {
  return listen<HandedShare>(EVENTS.sharePaths, (event) => handler(event.payload));
}

/** Files handed over before the window listened (`linkdrop FILE` starting the app). */
export function takePendingShares(): Promise<HandedShare[]> {
  return invoke<HandedShare[]>('take_pending_shares');
}

/** The uploads running and their bytes so far, whenever that changes (at most twice a second). */
export function onActivity(handler: (activity: Activity) => void): Promise<() => void> {
  return listen<Activity>(EVENTS.activity, (event) => handler(event.payload));
}

/** Called whenever profiles are added, changed or removed. */
export function onProfilesChanged(handler: () => void): Promise<() => void> {
  return listen(EVENTS.profilesChanged, () => handler());
}

/** Makes an upload request; its link is in the clipboard (and announced) when this resolves. */
export function createRequest(form: RequestForm): Promise<UploadRequest> {
  return invoke<UploadRequest>('create_request', { form });
}

/** Every upload request, newest first, with the files that arrived as last seen. */
export function listRequests(): Promise<RequestView[]> {
  return invoke<RequestView[]>('list_requests');
}

/** Looks in every open request's folder now. */
export function refreshRequests(): Promise<void> {
  return invoke<void>('refresh_requests');
}

export function closeRequest(id: string): Promise<UploadRequest> {
  return invoke<UploadRequest>('close_request', { id });
}

export function deleteArrival(id: string, key: string): Promise<void> {
  return invoke<void>('delete_arrival', { id, key });
}

/** Saves one file (or all, `key` null) into a folder picked in the native dialog; the paths. */
export function saveArrivals(id: string, key: string | null): Promise<string[]> {
  return invoke<string[]>('save_arrivals', { id, key });
}

/** Opens a file that arrived in the desktop's application for it. */
export function openArrival(id: string, key: string): Promise<void> {
  return invoke<void>('open_arrival', { id, key });
}

/** A presigned link to a file that arrived, copied and in the history. */
export function shareArrival(id: string, key: string, expires: string): Promise<Share> {
  return invoke<Share>('share_arrival', { id, key, expires });
}

/** Called when a request is made or closed, or a file arrives. */
export function onRequestsChanged(handler: () => void): Promise<() => void> {
  return listen(EVENTS.requestsChanged, () => handler());
}

/** The tray asks for a view ("requests"). */
export function onOpenView(handler: (view: string) => void): Promise<() => void> {
  return listen<string>(EVENTS.openView, (event) => handler(event.payload));
}

/** The native file dialog; resolves to the chosen files (none when cancelled). */
export function chooseFiles(): Promise<HandedFile[]> {
  return invoke<HandedFile[]>('choose_files');
}

/** Whether an endpoint is plain HTTP to another computer (the backend's rule). */
export function endpointIsInsecure(endpoint: string | null): Promise<boolean> {
  return invoke<boolean>('endpoint_is_insecure', { endpoint });
}

/**
 * Files dragged over the window from the file manager: `true` while they hover, `false` when they
 * leave or drop. The dropped files themselves arrive through `onSharePaths`. Resolves to a
 * function that stops listening.
 */
export function onDragHover(handler: (hovering: boolean) => void): Promise<() => void> {
  return getCurrentWebview().onDragDropEvent((event) => {
    const type = event.payload.type;
    if (type === 'enter') handler(true);
    else if (type === 'drop' || type === 'leave') handler(false);
  });
}

function isUiError(e: unknown): e is UiError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as Record<string, unknown>).code === 'string' &&
    typeof (e as Record<string, unknown>).message === 'string'
  );
}

/** A human-readable message for anything a backend call may reject with. */
export function errorMessage(e: unknown): string {
  return isUiError(e) ? e.message : String(e);
}

/** The stable code of a backend error (Rust's `ErrorCode`), or 'internal'. */
export function errorCode(e: unknown): ErrorCode {
  return isUiError(e) ? e.code : 'internal';
}

/** Stops a listener; failing to (the window is going away) is not worth a word. */
function quietly(unlisten: () => void): void {
  try {
    const result: unknown = unlisten();
    if (result instanceof Promise) result.catch(() => {});
  } catch {
    // ignore
  }
}

/**
 * Listens while the calling `$effect` lives: returns the teardown for the effect to return.
 * `subscribe` is one of the `on…` functions above; when there is no event bus (no Tauri
 * underneath) it throws or rejects, and `unavailable` hears why (only while the effect lives).
 * `listening` runs once the listener is in place (to pick up what came before it). A listener
 * that arrives after the effect ended is stopped at once.
 */
export function listenWhileMounted(
  subscribe: () => Promise<() => void>,
  unavailable: (e: unknown) => void = () => {},
  listening?: () => void | Promise<void>,
): () => void {
  let live = true;
  let stop: (() => void) | null = null;
  // async: a synchronous throw becomes a rejection too.
  (async () => subscribe())().then(
    async (unlisten) => {
      if (!live) return quietly(unlisten);
      stop = unlisten;
      await listening?.();
    },
    (e: unknown) => {
      if (live) unavailable(e);
    },
  );
  return () => {
    live = false;
    if (stop !== null) quietly(stop);
  };
}

/** What LinkDrop keeps in a profile's bucket: its objects, expired links, unfinished uploads. */
export function storageReport(profile: string | null): Promise<StorageReport> {
  return invoke<StorageReport>('storage_report', { profile });
}

/** One action of the storage view (delete expired, abort unfinished, adopt or delete unknown). */
export function tidyStorage(profile: string | null, action: TidyAction): Promise<TidyOutcome> {
  return invoke<TidyOutcome>('tidy_storage', { profile, action });
}

/** The lifecycle rules LinkDrop would add to the bucket (the exact S3 XML), and where they stand. */
export function lifecyclePlan(profile: string | null): Promise<LifecyclePlan> {
  return invoke<LifecyclePlan>('lifecycle_plan', { profile });
}

/** Adds them beside the bucket's own rules, which stay as they are. */
export function installLifecycle(profile: string | null): Promise<LifecyclePlan> {
  return invoke<LifecyclePlan>('install_lifecycle', { profile });
}

/** This computer's uploads cut short that no LinkDrop carries on (asks their servers how far). */
export function cutShortUploads(): Promise<CutShort[]> {
  return invoke<CutShort[]>('cut_short_uploads');
}

/** Shares the file of an upload cut short again, which picks up its parts. */
export function resumeCutShort(uploadId: string): Promise<void> {
  return invoke<void>('resume_cut_short', { uploadId });
}

/** Throws away the parts of an upload cut short. */
export function discardCutShort(uploadId: string): Promise<void> {
  return invoke<void>('discard_cut_short', { uploadId });
}
