import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';

import CutShortList from './CutShortList.svelte';
import { mockBackend } from '../../test/backend';
import type { CutShort } from '../../lib/ipc';

afterEach(() => {
  cleanup();
  clearMocks();
});

function upload(id: string, name: string, more: Partial<CutShort> = {}): CutShort {
  return {
    upload_id: id,
    profile: 'work',
    file: `/home/me/${name}`,
    name,
    size: 4_000_000_000,
    started_at: '2026-12-01T18:42:05Z',
    percent: 38,
    resumable: true,
    note: null,
    ...more,
  };
}

const row = (id: string) => document.querySelector(`[data-upload='${id}']`) as HTMLElement | null;

describe('CutShortList', () => {
  it('shows nothing when no upload was cut short', async () => {
    const backend = mockBackend();
    render(CutShortList, { busyPaths: [] });
    await waitFor(() => expect(backend.callsOf('cut_short_uploads')).toHaveLength(1));
    expect(screen.queryByRole('heading', { name: 'Uploads cut short' })).toBeNull();
  });

  it('says how far each got and why one cannot be resumed, and acts on each', async () => {
    const backend = mockBackend({
      cutShort: [
        upload('u1', 'huge.bin'),
        upload('u2', 'changed.iso', {
          resumable: false,
          percent: null,
          note: 'the file changed since; its parts are thrown away once its server answers (offline)',
        }),
      ],
    });
    render(CutShortList, { busyPaths: [] });
    await waitFor(() => expect(row('u1')).not.toBeNull());
    const huge = row('u1') as HTMLElement;
    expect(huge).toHaveTextContent('huge.bin');
    expect(huge).toHaveTextContent('3.7 GiB · cut short at 38 % · started');
    const changed = row('u2') as HTMLElement;
    expect(changed).toHaveTextContent('the file changed since');
    expect(changed).not.toHaveTextContent('cut short at');
    // Nothing to resume: only throwing its parts away is offered.
    expect(within(changed).queryByRole('button', { name: /^Resume/ })).toBeNull();

    await fireEvent.click(within(huge).getByRole('button', { name: 'Resume huge.bin' }));
    expect(backend.callsOf('resume_cut_short')[0]?.args).toEqual({ uploadId: 'u1' });
    await waitFor(() => expect(row('u1')).toBeNull());

    await fireEvent.click(
      within(changed).getByRole('button', { name: 'Throw away what was sent of changed.iso' }),
    );
    expect(backend.callsOf('discard_cut_short')[0]?.args).toEqual({ uploadId: 'u2' });
    await waitFor(() =>
      expect(screen.queryByRole('heading', { name: 'Uploads cut short' })).toBeNull(),
    );
  });

  it('hides an upload the window is carrying on, and says why an action failed', async () => {
    mockBackend({
      cutShort: [upload('u1', 'huge.bin'), upload('u3', 'gone.bin', { upload_id: 'u3' })],
    });
    render(CutShortList, { busyPaths: ['/home/me/huge.bin'] });
    await waitFor(() => expect(row('u3')).not.toBeNull());
    expect(row('u1')).toBeNull();
    clearMocks();
    // The backend no longer knows it (another LinkDrop took it up): the row comes back with why.
    mockBackend({ cutShort: [] });
    await fireEvent.click(screen.getByRole('button', { name: 'Resume gone.bin' }));
    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent('gone.bin: no such upload'),
    );
  });
});
