// A profile being added or edited in the Settings view: the provider preset fills the endpoint,
// region and addressing style; the typed secret stays here only until it is sent to the keychain.
import type { CredentialChoice, ProfileForm, ProfileView, Provider, SecretChange } from './ipc';

export type CredentialKind = 'keychain' | 'aws-profile' | 'env';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Which preset an endpoint was made from, and the account and region in it. */
export function inferProvider(
  providers: readonly Provider[],
  endpoint: string | null,
): { id: string; account: string; region: string | null } {
  if (endpoint === null || endpoint === '') return { id: 'aws', account: '', region: null };
  for (const p of providers) {
    if (p.endpoint === null || p.endpoint === '') continue;
    const pattern = escape(p.endpoint)
      .replace('\\{region\\}', '(?<region>[A-Za-z0-9-]+)')
      .replace('\\{account\\}', '(?<account>[A-Za-z0-9-]+)');
    const match = new RegExp(`^${pattern}/?$`).exec(endpoint);
    if (match !== null) {
      return {
        id: p.id,
        account: match.groups?.account ?? '',
        region: match.groups?.region ?? null,
      };
    }
  }
  return { id: 'custom', account: '', region: null };
}

export class ProfileDraft {
  readonly providers: readonly Provider[];
  /** The stored profile this edits (null for a new one or a duplicate). */
  readonly original: string | null;
  /** The profile a duplicate copies its keychain secret from. */
  readonly copyOf: string | null;
  readonly localStore: boolean;
  /** A secret is stored for the profile being edited. */
  readonly hasStoredSecret: boolean;

  providerId = $state('aws');
  account = $state('');
  name = $state('');
  bucket = $state('');
  region = $state('');
  /** The endpoint as typed, for providers without a pattern. */
  typedEndpoint = $state('');
  prefix = $state('');
  pathStyle = $state(false);
  defaultExpiry = $state('');
  /** Shares are deleted from the bucket once their link expired and the grace passed. */
  deleteAfterExpiry = $state(false);
  deletionGrace = $state('');
  credentials = $state<CredentialKind>('keychain');
  accessKeyId = $state('');
  /** Typed secret; '' keeps the stored one. */
  secret = $state('');
  awsProfile = $state('');
  allowInsecureHttp = $state(false);
  makeDefault = $state(false);

  constructor(
    providers: readonly Provider[],
    view: ProfileView | null = null,
    mode: 'edit' | 'duplicate' = 'edit',
  ) {
    this.providers = providers;
    const duplicate = view !== null && mode === 'duplicate';
    this.original = view !== null && !duplicate ? view.form.name : null;
    this.copyOf = duplicate && view.form.credentials.kind === 'keychain' ? view.form.name : null;
    this.localStore = view?.local_store === true && !duplicate;
    this.hasStoredSecret = view !== null && view.form.credentials.kind === 'keychain';
    if (view === null) {
      this.selectProvider('aws');
      return;
    }
    const f = view.form;
    const inferred = inferProvider(providers, f.endpoint);
    this.providerId = inferred.id;
    this.account = inferred.account;
    this.name = duplicate ? `${f.name}-copy` : f.name;
    this.bucket = f.bucket;
    this.region = f.region ?? inferred.region ?? '';
    this.typedEndpoint = f.endpoint ?? '';
    this.prefix = f.prefix;
    this.pathStyle = f.path_style;
    this.defaultExpiry = f.default_expiry ?? '';
    this.deleteAfterExpiry = f.delete_after_expiry;
    this.deletionGrace = f.deletion_grace ?? '';
    this.accessKeyId = f.access_key_id ?? '';
    this.allowInsecureHttp = f.allow_insecure_http;
    this.makeDefault = view.is_default && !duplicate;
    if (f.credentials.kind === 'aws_profile') {
      this.credentials = 'aws-profile';
      this.awsProfile = f.credentials.name;
    } else {
      this.credentials = f.credentials.kind === 'env' ? 'env' : 'keychain';
    }
  }

  get provider(): Provider | undefined {
    return this.providers.find((p) => p.id === this.providerId);
  }

  /** Applies a preset: its region and addressing style, keeping what the user typed otherwise. */
  selectProvider(id: string): void {
    this.providerId = id;
    const p = this.provider;
    if (p === undefined) return;
    this.pathStyle = p.path_style;
    if (p.fixed_region || this.region === '' || !p.regions.includes(this.region)) {
      this.region = p.default_region ?? '';
    }
  }

  /** The endpoint the profile will use: the preset's pattern filled in, or what was typed. */
  get endpoint(): string | null {
    const p = this.provider;
    if (p === undefined) return this.typedEndpoint.trim() || null;
    if (p.endpoint === null) return null;
    if (p.endpoint === '') return this.typedEndpoint.trim() || null;
    return p.endpoint
      .replace('{region}', this.region.trim())
      .replace('{account}', this.account.trim());
  }

  /** Plain HTTP to another computer, as the backend judges `endpoint` (the editor keeps it current). */
  insecure = $state(false);

  get form(): ProfileForm {
    const credentials: CredentialChoice =
      this.credentials === 'aws-profile'
        ? { kind: 'aws_profile', name: this.awsProfile.trim() }
        : { kind: this.credentials };
    return {
      name: this.name.trim(),
      bucket: this.bucket.trim(),
      endpoint: this.endpoint,
      region: this.region.trim() || null,
      prefix: this.prefix.trim(),
      path_style: this.pathStyle,
      default_expiry: this.defaultExpiry.trim() || null,
      credentials,
      access_key_id: this.credentials === 'keychain' ? this.accessKeyId.trim() || null : null,
      allow_insecure_http: this.insecure && this.allowInsecureHttp,
      delete_after_expiry: this.deleteAfterExpiry,
      deletion_grace: this.deletionGrace.trim() || null,
    };
  }

  /** What to do with the keychain: the typed secret, the duplicated one, or the stored one. */
  get secretChange(): SecretChange {
    if (this.secret.trim() !== '') return { kind: 'set', value: this.secret.trim() };
    if (this.copyOf !== null) return { kind: 'copy_from', value: this.copyOf };
    return { kind: 'keep' };
  }

  /** What is missing before a check or a save makes sense, in the words of the form. */
  get problems(): string[] {
    const problems: string[] = [];
    if (this.name.trim() === '') problems.push('Give the profile a name.');
    if (this.bucket.trim() === '') problems.push('Enter the bucket name.');
    const p = this.provider;
    if (p?.account_label != null && this.account.trim() === '') {
      problems.push(`Enter your ${p.account_label}.`);
    }
    if (p?.endpoint === '' && this.typedEndpoint.trim() === '') {
      problems.push('Enter the endpoint URL.');
    }
    // The embedded store's key is LinkDrop's own: nothing to enter.
    if (this.credentials === 'keychain' && !this.localStore) {
      if (this.accessKeyId.trim() === '') problems.push('Enter the access key ID.');
      const stored = this.hasStoredSecret || this.copyOf !== null;
      if (!stored && this.secret.trim() === '') problems.push('Enter the secret access key.');
    }
    if (this.credentials === 'aws-profile' && this.awsProfile === '') {
      problems.push('Choose an AWS profile.');
    }
    if (this.insecure && !this.allowInsecureHttp) {
      problems.push('Use an https:// endpoint, or allow insecure HTTP below.');
    }
    return problems;
  }
}
