import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';

import SettingsView from './SettingsView.svelte';
import { inferProvider } from '../../lib/settings.svelte';
import {
  makeProfileView,
  makeReport,
  mockBackend,
  PROVIDERS,
  type BackendOptions,
} from '../../test/backend';

afterEach(() => {
  cleanup();
  clearMocks();
});

async function open(options: BackendOptions = {}) {
  const backend = mockBackend(options);
  render(SettingsView);
  await screen.findByRole('button', { name: 'Add profile…' });
  await waitFor(() => expect(screen.getByRole('button', { name: 'Add profile…' })).toBeEnabled());
  return backend;
}

function field(label: string | RegExp): HTMLInputElement {
  return screen.getByLabelText(label) as HTMLInputElement;
}

async function type(label: string | RegExp, value: string): Promise<void> {
  await fireEvent.input(field(label), { target: { value } });
}

function profileRow(name: string): HTMLElement {
  const row = document.querySelector<HTMLElement>(`[data-profile='${name}']`);
  if (row === null) throw new Error(`no profile ${name}`);
  return row;
}

describe('provider presets', () => {
  it('recognise an endpoint made from a pattern, with its account and region', () => {
    expect(inferProvider(PROVIDERS, null)).toEqual({ id: 'aws', account: '', region: null });
    expect(inferProvider(PROVIDERS, 'https://abc123.r2.cloudflarestorage.com')).toEqual({
      id: 'r2',
      account: 'abc123',
      region: null,
    });
    expect(inferProvider(PROVIDERS, 'https://s3.eu-central-003.backblazeb2.com')).toMatchObject({
      id: 'b2',
      region: 'eu-central-003',
    });
    expect(inferProvider(PROVIDERS, 'https://minio.lan:9000').id).toBe('custom');
  });
});

describe('SettingsView', () => {
  it('lists the profiles with their default and never a secret', async () => {
    await open({
      settings: [
        {
          ...makeProfileView({ name: 'local', endpoint: 'http://127.0.0.1:9000' }),
          local_store: true,
        },
        makeProfileView({ name: 'work' }, true),
      ],
    });
    expect(profileRow('work')).toHaveTextContent('default');
    expect(profileRow('work')).toHaveTextContent('secret in the keychain');
    expect(profileRow('local')).toHaveTextContent('embedded store on this computer');
    // The local store's profile stays: no Remove, no Duplicate.
    expect(profileRow('local').querySelector('[data-action="remove"]')).toBeNull();
    expect(profileRow('work').querySelector('[data-action="make-default"]')).toBeNull();
  });

  it('adds an R2 profile: the preset builds the endpoint, the check runs before saving', async () => {
    const backend = await open();
    await fireEvent.click(screen.getByRole('button', { name: 'Add profile…' }));
    await fireEvent.change(field('Provider'), { target: { value: 'r2' } });
    expect(field('Region')).toBeDisabled();
    expect(field('Region').value).toBe('auto');
    await type('Name', 'cloudflare');
    await type('Bucket', 'shares');
    await type('Account ID', 'abc123');
    expect(screen.getByText('https://abc123.r2.cloudflarestorage.com')).toBeInTheDocument();
    await type('Access key ID', 'R2KEY');
    expect(screen.getByRole('button', { name: 'Check and save' })).toBeDisabled();
    expect(screen.getByText('Enter the secret access key.')).toBeInTheDocument();
    await type('Secret access key', 'r2-secret');
    await fireEvent.click(screen.getByRole('button', { name: 'Check and save' }));

    await waitFor(() => expect(backend.callsOf('save_profile')).toHaveLength(1));
    const checked = backend.callsOf('check_profile')[0]?.args;
    const saved = backend.callsOf('save_profile')[0]?.args;
    expect(checked?.form).toEqual(saved?.form);
    expect(saved).toMatchObject({
      original: null,
      secret: { kind: 'set', value: 'r2-secret' },
      form: {
        name: 'cloudflare',
        bucket: 'shares',
        endpoint: 'https://abc123.r2.cloudflarestorage.com',
        region: 'auto',
        path_style: true,
        credentials: { kind: 'keychain' },
        access_key_id: 'R2KEY',
      },
    });
    await waitFor(() => expect(profileRow('cloudflare')).toBeInTheDocument());
    expect(screen.getByText('Saved profile cloudflare.')).toHaveAttribute('role', 'status');
    // The secret went to the backend once, and the form is gone.
    expect(screen.queryByLabelText('Secret access key')).toBeNull();
  });

  it('shows each failed step with its fix and saves only when told to', async () => {
    const backend = await open({ check: (form) => makeReport(form.name, 'credentials') });
    await fireEvent.click(screen.getByRole('button', { name: 'Add profile…' }));
    await type('Name', 'work');
    await type('Bucket', 'work-bucket');
    await type('Access key ID', 'AKIA');
    await type('Secret access key', 'wrong');
    await fireEvent.click(screen.getByRole('button', { name: 'Check and save' }));

    const credentials = await waitFor(() => {
      const step = document.querySelector<HTMLElement>('[data-step="credentials"]');
      expect(step).not.toBeNull();
      return step as HTMLElement;
    });
    expect(credentials).toHaveAttribute('data-outcome', 'failed');
    expect(credentials).toHaveTextContent('fix the credentials');
    expect(document.querySelector('[data-step="write"]')).toHaveAttribute(
      'data-outcome',
      'skipped',
    );
    expect(backend.callsOf('save_profile')).toHaveLength(0);

    await fireEvent.click(screen.getByRole('button', { name: 'Save anyway' }));
    await waitFor(() => expect(backend.callsOf('save_profile')).toHaveLength(1));
    expect(backend.callsOf('check_profile')).toHaveLength(1);
  });

  it('takes the region the check found', async () => {
    const backend = await open({
      settings: [makeProfileView({ name: 'work', region: 'us-east-1' }, true)],
      check: (form) => ({ ...makeReport(form.name), detected_region: 'eu-central-1' }),
    });
    await fireEvent.click(within(profileRow('work')).getByRole('button', { name: /Edit/ }));
    expect(field('Secret access key').placeholder).toContain('stored in the keychain');
    await fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    await waitFor(() => expect(field('Region').value).toBe('eu-central-1'));
    expect(backend.callsOf('check_profile')[0]?.args).toMatchObject({
      original: 'work',
      secret: { kind: 'keep' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Check and save' }));
    await waitFor(() => expect(backend.callsOf('save_profile')).toHaveLength(1));
    expect(backend.callsOf('save_profile')[0]?.args).toMatchObject({
      original: 'work',
      makeDefault: true,
      form: { region: 'eu-central-1' },
      secret: { kind: 'keep' },
    });
  });

  it('refuses plain HTTP to another computer until it is allowed, with a warning', async () => {
    const backend = await open();
    await fireEvent.click(screen.getByRole('button', { name: 'Add profile…' }));
    await fireEvent.change(field('Provider'), { target: { value: 'minio' } });
    await type('Name', 'lan');
    await type('Bucket', 'files');
    await type('Endpoint', 'http://minio.lan:9000');
    await type('Access key ID', 'minio');
    await type('Secret access key', 'minio-secret');
    expect(screen.getByRole('alert')).toHaveTextContent('a presigned link is a bearer token');
    expect(screen.getByRole('button', { name: 'Check and save' })).toBeDisabled();
    await fireEvent.click(screen.getByLabelText(/Allow insecure HTTP/));
    await fireEvent.click(screen.getByRole('button', { name: 'Check and save' }));
    await waitFor(() => expect(backend.callsOf('save_profile')).toHaveLength(1));
    expect(backend.callsOf('save_profile')[0]?.args).toMatchObject({
      form: { endpoint: 'http://minio.lan:9000', allow_insecure_http: true, path_style: true },
    });
  });

  it('uses an AWS profile from the shared config', async () => {
    const backend = await open({
      awsProfiles: [
        { name: 'corp-sso', kind: 'SSO', region: 'eu-west-1' },
        { name: 'default', kind: 'access key', region: null },
      ],
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Add profile…' }));
    await type('Name', 'corp');
    await type('Bucket', 'corp-bucket');
    await fireEvent.click(screen.getByLabelText(/My AWS profile/));
    expect(screen.getByRole('option', { name: 'corp-sso (SSO, eu-west-1)' })).toBeInTheDocument();
    await fireEvent.change(field('AWS profile'), { target: { value: 'corp-sso' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Check and save' }));
    await waitFor(() => expect(backend.callsOf('save_profile')).toHaveLength(1));
    expect(backend.callsOf('save_profile')[0]?.args).toMatchObject({
      form: { credentials: { kind: 'aws_profile', name: 'corp-sso' }, access_key_id: null },
    });
  });

  it('duplicates with the same keychain secret, makes default and removes after a confirmation', async () => {
    const backend = await open({
      settings: [makeProfileView({ name: 'local' }, true), makeProfileView({ name: 'work' })],
    });
    await fireEvent.click(within(profileRow('work')).getByRole('button', { name: /Duplicate/ }));
    expect(field('Name').value).toBe('work-copy');
    await fireEvent.click(screen.getByRole('button', { name: 'Check and save' }));
    await waitFor(() => expect(backend.callsOf('save_profile')).toHaveLength(1));
    expect(backend.callsOf('save_profile')[0]?.args).toMatchObject({
      original: null,
      secret: { kind: 'copy_from', value: 'work' },
      form: { name: 'work-copy' },
    });

    await fireEvent.click(within(profileRow('work')).getByRole('button', { name: /Make default/ }));
    await waitFor(() => expect(profileRow('work')).toHaveTextContent('default'));
    expect(backend.callsOf('set_default_profile')[0]?.args).toEqual({ name: 'work' });

    await fireEvent.click(within(profileRow('work-copy')).getByRole('button', { name: /Remove/ }));
    const dialog = document.querySelector('dialog[open]') as HTMLElement;
    expect(dialog).toHaveTextContent('Its secret is deleted from the OS keychain');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(backend.callsOf('remove_profile')).toHaveLength(0);
    await fireEvent.click(within(profileRow('work-copy')).getByRole('button', { name: /Remove/ }));
    await fireEvent.click(document.querySelector('dialog[open] [data-confirm]') as HTMLElement);
    await waitFor(() => expect(document.querySelector("[data-profile='work-copy']")).toBeNull());
    expect(backend.callsOf('remove_profile')[0]?.args).toEqual({ name: 'work-copy' });
  });
});
