import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';

import DesktopSettings from './DesktopSettings.svelte';
import { mockBackend, type BackendOptions } from '../../test/backend';

afterEach(() => {
  cleanup();
  clearMocks();
});

async function open(options: BackendOptions = {}) {
  const backend = mockBackend(options);
  render(DesktopSettings);
  await screen.findByLabelText('Shortcut for “Share file…”');
  return backend;
}

const field = () => screen.getByLabelText('Shortcut for “Share file…”') as HTMLInputElement;
const button = (name: string) => screen.getByRole('button', { name });

describe('DesktopSettings', () => {
  it('starts off: no shortcut, no start at login', async () => {
    await open();
    expect(field().value).toBe('');
    expect(field()).toHaveAttribute('placeholder', 'Off: click and press keys');
    expect(button('Save')).toBeDisabled();
    expect(button('Turn off')).toBeDisabled();
    expect(
      screen.getByRole('checkbox', { name: /Start LinkDrop when I log in/ }),
    ).not.toBeChecked();
  });

  it('saves the default to encrypt what the tray and the shortcut share', async () => {
    const backend = await open();
    const box = screen.getByRole('checkbox', { name: /Encrypt what I share from the tray/ });
    expect(box).not.toBeChecked();
    await fireEvent.click(box);
    await waitFor(() =>
      expect(backend.callsOf('set_encrypt_by_default').map((c) => c.args.enabled)).toEqual([true]),
    );
    expect(await screen.findByText(/are encrypted here first/)).toBeInTheDocument();
    expect(box).toBeChecked();
  });

  it('records a key combination and saves it', async () => {
    const backend = await open();
    await fireEvent.keyDown(field(), { key: 'Control', code: 'ControlLeft', ctrlKey: true });
    expect(field().value).toBe('Ctrl+');
    expect(button('Save')).toBeDisabled();
    await fireEvent.keyDown(field(), { key: 'l', code: 'KeyL', ctrlKey: true, altKey: true });
    expect(field().value).toBe('Ctrl+Alt+L');
    await fireEvent.click(button('Save'));
    await waitFor(() =>
      expect(backend.callsOf('set_share_shortcut').map((c) => c.args.shortcut)).toEqual([
        'Ctrl+Alt+L',
      ]),
    );
    expect(await screen.findByText(/Ctrl\+Alt\+L opens “Share file…”/)).toBeInTheDocument();
    expect(button('Save')).toBeDisabled();

    await fireEvent.click(button('Turn off'));
    await waitFor(() => expect(backend.callsOf('set_share_shortcut')).toHaveLength(2));
    expect(backend.callsOf('set_share_shortcut')[1]?.args.shortcut).toBeNull();
    expect(await screen.findByText('The shortcut is off.')).toBeInTheDocument();
    expect(field().value).toBe('');
  });

  it('says why a key cannot be a shortcut, and what the system refused', async () => {
    const backend = await open({ shortcutTaken: 'Ctrl+Alt+P' });
    await fireEvent.keyDown(field(), { key: 'p', code: 'KeyP' });
    expect(screen.getByText('Hold Ctrl, Alt or Super with the key.')).toBeInTheDocument();
    expect(field().value).toBe('');

    await fireEvent.keyDown(field(), { key: 'p', code: 'KeyP', ctrlKey: true, altKey: true });
    await fireEvent.click(button('Save'));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Ctrl+Alt+P cannot be used: another application may have it; try another',
    );
    expect(backend.callsOf('set_share_shortcut')).toHaveLength(1);
    // Nothing was saved: Escape goes back to no shortcut.
    await fireEvent.keyDown(field(), { key: 'Escape', code: 'Escape' });
    expect(field().value).toBe('');
  });

  it('shows the saved shortcut and turns start at login on and off', async () => {
    const backend = await open({ desktop: { share_shortcut: 'Super+F9', start_at_login: true } });
    await waitFor(() => expect(field().value).toBe('Super+F9'));
    const login = screen.getByRole('checkbox', { name: /Start LinkDrop when I log in/ });
    expect(login).toBeChecked();
    await fireEvent.click(login);
    await waitFor(() =>
      expect(backend.callsOf('set_start_at_login').map((c) => c.args.enabled)).toEqual([false]),
    );
    expect(
      await screen.findByText('LinkDrop no longer starts when you log in.'),
    ).toBeInTheDocument();
    await fireEvent.click(login);
    await waitFor(() => expect(backend.callsOf('set_start_at_login')).toHaveLength(2));
    expect(login).toBeChecked();
  });
});
