// Which link lifetime the user picked: a preset or a custom duration, remembered across runs.
import { checkDuration, type ParsedDuration } from './duration';
import { EXPIRY_PRESETS } from './bindings/expiryPresets';
import { defaultStorage } from './storage';

export const STORAGE_KEY = 'linkdrop.expiry';
export const DEFAULT_EXPIRY = '1h';
export const CUSTOM = 'custom';

/** The one-click lifetimes, from the backend's list (`profiles::expiry::PRESETS`, generated):
 *  `label` as the picker shows it (short), `long` where there is room. */
export const PRESETS: ReadonlyArray<{ value: string; label: string; long: string }> =
  EXPIRY_PRESETS.map((p) => ({ value: p.value, label: p.short, long: p.label }));

function isPreset(value: string): boolean {
  return PRESETS.some((p) => p.value === value);
}

/** Reads a typed lifetime (the backend's grammar, through `checkDuration`). */
export type DurationCheck = (text: string) => Promise<ParsedDuration>;

export class ExpiryChoice {
  /** A preset's value, or CUSTOM. */
  choice = $state(DEFAULT_EXPIRY);
  /** What is typed in the custom field. */
  customText = $state('');
  /** What the backend made of `customText`; null while it is being read. */
  #custom = $state<ParsedDuration | null>(null);
  /** Whether the choice came from an earlier run (and was a lifetime). */
  #restored = $state(false);
  /** Settles once the custom text last set has been read (a share waits for it; so do tests). */
  checked: Promise<void> = Promise.resolve();
  readonly #storage: Storage | null;
  readonly #check: DurationCheck;
  /** Whether the user picked something, now or in an earlier run. */
  #chosen: boolean;
  #reads = 0;

  constructor(storage: Storage | null = defaultStorage(), check: DurationCheck = checkDuration) {
    this.#storage = storage;
    this.#check = check;
    let saved: string | null = null;
    try {
      saved = storage?.getItem(STORAGE_KEY) ?? null;
    } catch {
      saved = null;
    }
    this.#chosen = saved !== null;
    if (saved !== null) {
      this.#restored = true;
      this.#apply(saved, () => {
        // Garbage in storage: back to the default, as if nothing was remembered.
        this.#restored = false;
        this.#chosen = false;
        this.choice = DEFAULT_EXPIRY;
      });
    }
  }

  get restored(): boolean {
    return this.#restored;
  }

  /** The duration to send with a share ('' while the custom text is not (yet) valid). */
  get value(): string {
    if (this.choice !== CUSTOM) return this.choice;
    return this.#custom?.ok ? this.customText.trim() : '';
  }

  /** Why the current choice cannot be used, or null. */
  get error(): string | null {
    if (this.choice !== CUSTOM || this.#custom === null || this.#custom.ok) return null;
    return this.#custom.error;
  }

  select(choice: string): void {
    this.choice = choice === CUSTOM || isPreset(choice) ? choice : DEFAULT_EXPIRY;
    this.#chosen = true;
    this.#save();
  }

  setCustom(text: string): void {
    this.#chosen = true;
    this.#read(text, () => this.#save());
  }

  /** Uses a profile's default expiry, unless the user has chosen one (now or in an earlier run). */
  useDefault(value: string | null): void {
    if (this.#chosen || value === null) return;
    this.#apply(value, () => {
      this.choice = DEFAULT_EXPIRY;
    });
  }

  #apply(value: string, invalid: () => void): void {
    if (isPreset(value)) {
      this.choice = value;
      return;
    }
    this.#read(value, () => {}, invalid);
  }

  /** Shows `text` as the custom choice and has the backend read it; the last read wins. */
  #read(text: string, valid: () => void, invalid: () => void = () => {}): void {
    this.choice = CUSTOM;
    this.customText = text;
    this.#custom = null;
    const read = ++this.#reads;
    this.checked = this.#check(text).then((result) => {
      if (read !== this.#reads) return;
      this.#custom = result;
      if (result.ok) valid();
      else invalid();
    });
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
