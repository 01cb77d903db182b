// Which link lifetime the user picked: a preset or a custom duration, remembered across runs.
import { parseDuration } from './duration';
import { defaultStorage } from './storage';

export const STORAGE_KEY = 'linkdrop.expiry';
export const DEFAULT_EXPIRY = '1h';
export const CUSTOM = 'custom';

export const PRESETS: ReadonlyArray<{ value: string; label: string }> = [
  { value: '15m', label: '15 min' },
  { value: '1h', label: '1 hour' },
  { value: '1d', label: '1 day' },
  { value: '7d', label: '7 days' },
];

function isPreset(value: string): boolean {
  return PRESETS.some((p) => p.value === value);
}

export class ExpiryChoice {
  /** A preset's value, or CUSTOM. */
  choice = $state(DEFAULT_EXPIRY);
  /** What is typed in the custom field. */
  customText = $state('');
  /** Whether the choice came from an earlier run. */
  readonly restored: boolean;
  readonly #storage: Storage | null;
  /** Whether the user picked something, now or in an earlier run. */
  #chosen: boolean;

  readonly #parsed = $derived(
    this.choice === CUSTOM ? parseDuration(this.customText) : parseDuration(this.choice),
  );

  constructor(storage: Storage | null = defaultStorage()) {
    this.#storage = storage;
    let saved: string | null = null;
    try {
      saved = storage?.getItem(STORAGE_KEY) ?? null;
    } catch {
      saved = null;
    }
    this.restored = saved !== null && this.#apply(saved);
    this.#chosen = this.restored;
  }

  /** The duration to send with a share ('' while the custom text is not valid). */
  get value(): string {
    if (!this.#parsed.ok) return '';
    return this.choice === CUSTOM ? this.customText.trim() : this.choice;
  }

  /** Why the current choice cannot be used, or null. */
  get error(): string | null {
    return this.#parsed.ok ? null : this.#parsed.error;
  }

  select(choice: string): void {
    this.choice = choice === CUSTOM || isPreset(choice) ? choice : DEFAULT_EXPIRY;
    this.#chosen = true;
    this.#save();
  }

  setCustom(text: string): void {
    this.choice = CUSTOM;
    this.customText = text;
    this.#chosen = true;
    this.#save();
  }

  /** Uses a profile's default expiry, unless the user has chosen one (now or in an earlier run). */
  useDefault(value: string | null): void {
    if (this.#chosen || value === null) return;
    this.#apply(value);
  }

  #apply(value: string): boolean {
    if (isPreset(value)) {
      this.choice = value;
      return true;
    }
    if (parseDuration(value).ok) {
      this.choice = CUSTOM;
      this.customText = value;
      return true;
    }
    return false;
  }

  #save(): void {
    const value = this.value;
    if (value === '') return;
    try {
      this.#storage?.setItem(STORAGE_KEY, value);
    } catch {
      // Private mode or a full quota: the choice just isn't remembered.
    }
  }
}
