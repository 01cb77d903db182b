// The single module through which the UI talks to the Rust backend.
// Components import from here, never from @tauri-apps/api directly.
import { invoke } from '@tauri-apps/api/core';

/** What the `app_info` command returns. */
export type AppInfo = {
  version: string;
  default_profile: string | null;
  data_dir: string;
};

/** Shape of errors returned by backend commands. */
export type IpcError = {
  code: string;
  message: string;
};

export function appInfo(): Promise<AppInfo> {
  return invoke<AppInfo>('app_info');
}

function isIpcError(e: unknown): e is IpcError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as Record<string, unknown>).code === 'string' &&
    typeof (e as Record<string, unknown>).message === 'string'
  );
}

/** A human-readable message for anything a backend call may reject with. */
export function errorMessage(e: unknown): string {
  return isIpcError(e) ? e.message : String(e);
}
