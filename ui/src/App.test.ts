import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import App from './App.svelte';

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('App', () => {
  it('shows the version and profile returned by app_info', async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'app_info') {
        return { version: '9.8.7', default_profile: 'work', data_dir: '/tmp/linkdrop' };
      }
      throw new Error(`unexpected command ${cmd}`);
    });

    render(App);

    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('LinkDrop');
    expect(await screen.findByText('LinkDrop v9.8.7 · profile work')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(calls).toEqual(['app_info']);
  });

  it('shows the error message when app_info fails', async () => {
    mockIPC((cmd) => {
      if (cmd === 'app_info') {
        throw { code: 'profiles', message: 'cannot read profiles' };
      }
      return null;
    });

    render(App);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('cannot read profiles');
    expect(alert.textContent?.trim()).toBe('cannot read profiles');
    expect(screen.queryByText(/^LinkDrop v/)).not.toBeInTheDocument();
  });
});
