import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import DropTarget from './DropTarget.svelte';
import { mockBackend } from '../../test/backend';

afterEach(() => {
  cleanup();
  clearMocks();
});

async function start() {
  const backend = mockBackend();
  render(DropTarget);
  // The drag listeners and the activity listener register one after another.
  await new Promise((resolve) => setTimeout(resolve, 0));
  return backend;
}

const target = () => screen.getByRole('region', { name: 'Drop files to share' });

describe('DropTarget', () => {
  it('lights up while files are dragged over it', async () => {
    await start();
    expect(screen.getByRole('status')).toHaveTextContent('Drop files here');
    await emit('tauri://drag-enter', { paths: ['/home/me/a.txt'], position: { x: 5, y: 5 } });
    expect(target()).toHaveClass('hovering');
    expect(screen.getByRole('status')).toHaveTextContent('Drop to share');
    await emit('tauri://drag-leave', null);
    expect(target()).not.toHaveClass('hovering');
  });

  it('shows the uploads running and their progress, then goes back to waiting', async () => {
    const backend = await start();
    await emit('activity', { uploads: 2, sent: 0, total: 0, percent: null });
    expect(screen.getByRole('status')).toHaveTextContent('Uploading 2 files…');
    expect(screen.getByRole('status')).not.toHaveTextContent('%');

    await emit('activity', { uploads: 1, sent: 450, total: 1000, percent: 45 });
    expect(screen.getByRole('status')).toHaveTextContent('Uploading 1 file… 45%');
    expect(screen.getByRole('progressbar', { name: 'Upload progress' })).toHaveAttribute(
      'value',
      '45',
    );
    expect(target()).toHaveAttribute('data-uploads', '1');

    await emit('activity', { uploads: 0, sent: 0, total: 0, percent: null });
    expect(screen.getByRole('status')).toHaveTextContent('Drop files here');
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    // The page takes no drop itself: the backend hands dropped files to the main window.
    await emit('tauri://drag-drop', { paths: ['/home/me/a.txt'], position: { x: 5, y: 5 } });
    expect(backend.callsOf('share_file')).toHaveLength(0);
  });
});
