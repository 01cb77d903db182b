import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';

import StorageSettings from './StorageSettings.svelte';
import { mockBackend } from '../../test/backend';
import type { StorageReport } from '../../lib/ipc';

afterEach(() => {
  cleanup();
  clearMocks();
});

function report(): StorageReport {
  return {
    profile: 'work',
    bucket: 'b',
    endpoint: 'https://s3.example.com',
    prefix: '',
    linkdrop: { objects: 5, bytes: 5_000_000 },
    expired: { objects: 2, bytes: 2_000_000 },
    expired_ids: ['a', 'b'],
    unknown: [{ key: 'x/stray.bin', size: 1000, last_modified: null }],
    unfinished: [
      {
        key: 'y/huge.bin',
        upload_id: 'u1',
        started_at: null,
        bytes: 8_000_000,
        file: '/home/me/huge.bin',
        percent: 38,
      },
    ],
    others: { objects: 1, bytes: 30 },
  };
}

const figure = (name: string) => document.querySelector(`[data-figure='${name}']`) as HTMLElement;

describe('StorageSettings', () => {
  it('shows what the bucket holds only when asked, and tidies each part', async () => {
    const backend = mockBackend({ storage: report() });
    render(StorageSettings, { profiles: ['home', 'work'], initial: 'work' });
    expect(backend.callsOf('storage_report')).toHaveLength(0);
    await fireEvent.click(screen.getByRole('button', { name: 'Look in the bucket' }));
    await waitFor(() => expect(figure('kept')).toHaveTextContent('5 objects, 4.8 MiB'));
    expect(backend.callsOf('storage_report')[0]?.args).toEqual({ profile: 'work' });
    expect(figure('unfinished')).toHaveTextContent('/home/me/huge.bin, cut short at 38 %');
    expect(figure('others')).toHaveTextContent('1 object, 30 B (left alone)');

    // Deleting asks first; aborting does not (nothing anyone can download is lost).
    await fireEvent.click(within(figure('expired')).getByRole('button', { name: 'Delete them…' }));
    expect(backend.callsOf('tidy_storage')).toHaveLength(0);
    const dialog = document.querySelector('dialog[open]') as HTMLElement;
    expect(dialog).toHaveTextContent('Delete the files of expired links?');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(figure('expired')).toHaveTextContent('0 objects'));
    expect(screen.getByRole('status')).toHaveTextContent('Deleted the files of 2 expired links.');
    await fireEvent.click(screen.getByRole('button', { name: 'Abort them' }));
    await waitFor(() => expect(figure('unfinished')).toHaveTextContent(/^\s*0\s*$/));
    expect(backend.callsOf('tidy_storage').map((c) => c.args.action)).toEqual([
      'delete_expired',
      'abort_unfinished',
    ]);
  });

  it('shows the exact lifecycle rules and adds them only after a yes', async () => {
    const backend = mockBackend({ storage: report() });
    render(StorageSettings, { profiles: ['work'], initial: 'work' });
    await fireEvent.click(screen.getByRole('button', { name: 'Backstop in the bucket…' }));
    const rules = await screen.findByLabelText('The rules, exactly');
    expect(rules).toHaveTextContent('<LifecycleConfiguration>');
    expect(screen.getByText(/their-logs\) stay as they are/)).toBeInTheDocument();
    await fireEvent.click(screen.getByRole('button', { name: 'Add these rules to the bucket…' }));
    expect(backend.callsOf('install_lifecycle')).toHaveLength(0);
    const dialog = document.querySelector('dialog[open]') as HTMLElement;
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Add the rules' }));
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent('The rules are in the bucket'),
    );
    expect(backend.callsOf('install_lifecycle')[0]?.args).toEqual({ profile: 'work' });
  });

  it('says why the bucket could not be read', async () => {
    mockBackend();
    render(StorageSettings, { profiles: ['work'], initial: 'work' });
    await fireEvent.click(screen.getByRole('button', { name: 'Look in the bucket' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('no bucket');
  });
});
