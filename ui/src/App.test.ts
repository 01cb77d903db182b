import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import App from './App.svelte';
import {
  flush,
  handOver,
  makeEntry,
  makeShare,
  mockBackend,
  TWO_PROFILES,
  type BackendOptions,
  type PendingShare,
} from './test/backend';

const MiB = 1024 ** 2;

beforeEach(() => {
  localStorage.clear();
});

afterEach(() => {
  cleanup();
  clearMocks();
  vi.useRealTimers();
  localStorage.clear();
});

/** Renders the app and waits until it has loaded and listens for dropped files. */
async function start(options: BackendOptions = {}) {
  const backend = mockBackend(options);
  render(App);
  await screen.findByText(/^LinkDrop v/);
  // onFileDrop registers its four listeners one after another; let those invokes finish.
  await new Promise((resolve) => setTimeout(resolve, 0));
  return backend;
}

/** Clicks "Choose files…" and waits for the share_file calls it starts. */
async function choose(backend: { shares: PendingShare[] }, count = 1): Promise<PendingShare[]> {
  const before = backend.shares.length;
  await fireEvent.click(screen.getByRole('button', { name: 'Choose files…' }));
  await waitFor(() => expect(backend.shares.length).toBe(before + count));
  return backend.shares.slice(before);
}

function row(name: string): HTMLElement {
  return screen.getByRole('article', { name });
}

describe('App', () => {
  it('shows the version and profile returned by app_info', async () => {
    await start({
      appInfo: { version: '9.8.7', default_profile: 'work', data_dir: '/tmp/ld', new_user: false },
    });
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('LinkDrop');
    expect(screen.getByText('LinkDrop v9.8.7 · profile work')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows the error message when app_info fails', async () => {
    const error = { code: 'profile' as const, message: 'cannot read profiles' };
    mockBackend({ failing: { app_info: error, list_profiles: error } });
    render(App);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent?.trim()).toBe('cannot read profiles');
    expect(screen.queryByText(/^LinkDrop v/)).not.toBeInTheDocument();
  });
});

describe('welcome', () => {
  const NEW_USER = {
    version: '1.0.0',
    default_profile: 'local',
    data_dir: '/tmp/ld',
    new_user: true,
  };
  const welcome = () => screen.queryByRole('region', { name: 'Welcome to LinkDrop' });

  it('greets a new user in the drop zone with the two ways in', async () => {
    await start({ appInfo: NEW_USER });
    expect(welcome()).toBeInTheDocument();
    expect(within(welcome()!).getByText(/work on this computer only/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try it now' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Connect your bucket' })).toBeInTheDocument();
  });

  it('is not shown to someone who has links or a bucket', async () => {
    await start();
    expect(welcome()).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Choose files…' })).toBeInTheDocument();
  });

  it('"Try it now" shares a chosen file, then says where its link works, for good', async () => {
    const backend = await start({ appInfo: NEW_USER, chosen: ['/home/me/a.txt'] });
    await fireEvent.click(screen.getByRole('button', { name: 'Try it now' }));
    await waitFor(() => expect(backend.shares.length).toBe(1));
    expect(welcome()).not.toBeInTheDocument();
    expect(screen.getByRole('note')).toHaveTextContent('work on this computer only');
    cleanup();
    await start({ appInfo: NEW_USER });
    expect(welcome()).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Choose files…' })).toBeInTheDocument();
  });

  it('"Connect your bucket" opens Settings with a new profile\'s form', async () => {
    await start({ appInfo: NEW_USER });
    await fireEvent.click(screen.getByRole('button', { name: 'Connect your bucket' }));
    expect(screen.getByRole('tab', { name: 'Settings' })).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByRole('form', { name: 'New profile' })).toBeInTheDocument();
  });
});

describe('sharing', () => {
  it('starts one share per chosen file, newest on top, waiting for progress', async () => {
    const backend = await start({ chosen: ['/home/me/a.txt', '/home/me/b.txt'] });
    const [a, b] = await choose(backend, 2);

    expect(a?.request).toEqual({
      upload_id: expect.stringMatching(/^[0-9a-f-]{32,36}$/),
      file: expect.any(Number),
      expires: '1h',
      profile: null,
      allow_secrets: false,
      include_hidden: false,
      delete_after_expiry: false,
    });
    expect(a?.path).toBe('/home/me/a.txt');
    expect(b?.path).toBe('/home/me/b.txt');
    expect(a?.request.upload_id).not.toBe(b?.request.upload_id);

    const items = within(screen.getByRole('list', { name: 'Shared files' })).getAllByRole(
      'listitem',
    );
    expect(items.map((li) => within(li).getByRole('article').getAttribute('aria-label'))).toEqual([
      'a.txt',
      'b.txt',
    ]);
    expect(within(row('a.txt')).getByText('Waiting…')).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Shared files' })).toHaveAttribute(
      'aria-live',
      'polite',
    );

    await choose(backend, 2);
    expect(screen.getAllByRole('article').map((a) => a.getAttribute('aria-label'))).toEqual([
      'a.txt',
      'b.txt',
      'a.txt',
      'b.txt',
    ]);
  });

  it('renders progress: bar value, rate and time left', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 0, 1, 12, 0, 0));
    const backend = await start({ chosen: ['/data/big.iso'] });
    const [share] = await choose(backend);
    if (!share) throw new Error('no share');

    share.send({ kind: 'preparing', name: 'big.iso', size: 100 * MiB, hidden_left_out: 0 });
    share.send({ kind: 'progress', sent: 0, total: 100 * MiB, percent: 0 });
    vi.advanceTimersByTime(1000);
    share.send({ kind: 'progress', sent: 10 * MiB, total: 100 * MiB, percent: 10 });
    vi.advanceTimersByTime(1000);
    share.send({ kind: 'progress', sent: 20 * MiB, total: 100 * MiB, percent: 20 });
    await flush();

    const r = row('big.iso');
    const bar = within(r).getByRole('progressbar');
    expect(bar).toHaveAttribute('value', String(20 * MiB));
    expect(bar).toHaveAttribute('max', String(100 * MiB));
    expect(r).toHaveTextContent('100 MiB');
    expect(r).toHaveTextContent('20 %');
    expect(r).toHaveTextContent('10.0 MiB/s');
    expect(r).toHaveTextContent('about 8 s left');
    expect(within(r).queryByText('Waiting…')).not.toBeInTheDocument();
  });

  it('takes the name and size of a zipped folder from the preparing event', async () => {
    const backend = await start({ chosen: ['/home/me/photos'] });
    const [share] = await choose(backend);
    expect(row('photos')).toBeInTheDocument();
    share?.send({ kind: 'preparing', name: 'photos.zip', size: 3 * MiB, hidden_left_out: 0 });
    await waitFor(() => expect(row('photos.zip')).toHaveTextContent('3.0 MiB'));
    expect(screen.queryByRole('article', { name: 'photos' })).not.toBeInTheDocument();
    // Still waiting for its first byte to go out.
    expect(within(row('photos.zip')).getByText('Waiting…')).toBeInTheDocument();
  });

  it('cancels with the row’s upload id and shows Cancelled, not an error', async () => {
    const backend = await start({ chosen: ['/home/me/a.txt', '/home/me/b.txt'] });
    const [a, b] = await choose(backend, 2);
    b?.send({ kind: 'progress', sent: 5, total: 10, percent: 50 });

    await fireEvent.click(
      within(row('b.txt')).getByRole('button', { name: 'Cancel sharing b.txt' }),
    );

    await waitFor(() => expect(backend.callsOf('cancel_share')).toHaveLength(1));
    expect(backend.callsOf('cancel_share')[0]?.args).toEqual({ uploadId: b?.request.upload_id });
    expect(b?.settled).toBe(true); // the fake backend rejected it with code 'cancelled'
    await flush();
    expect(within(row('b.txt')).getByText('Cancelled')).toBeInTheDocument();
    expect(within(row('b.txt')).queryByRole('progressbar')).not.toBeInTheDocument();
    expect(within(row('b.txt')).queryByRole('button', { name: /Cancel/ })).not.toBeInTheDocument();
    expect(row('b.txt')).not.toHaveTextContent(/^cancelled$/);
    expect(row('b.txt').querySelector('.error')).toBeNull();
    // The other share goes on.
    expect(a?.settled).toBe(false);
    expect(within(row('a.txt')).getByText('Waiting…')).toBeInTheDocument();
  });

  it('shows the backend’s message on a failed row', async () => {
    const message =
      'bucket "x" does not exist (or is not yours): check the bucket name in the profile';
    const backend = await start({
      chosen: ['/home/me/a.txt'],
      onShare: (s) => s.reject({ code: 'storage', message }),
    });
    await choose(backend);
    const r = row('a.txt');
    await waitFor(() => expect(within(r).getByText(message)).toBeInTheDocument());
    expect(within(r).getByText(message)).toHaveAttribute('data-code', 'storage');
    expect(within(r).queryByRole('progressbar')).not.toBeInTheDocument();
    expect(within(r).queryByText('Cancelled')).not.toBeInTheDocument();
  });

  it('asks before sharing what looks like a secret, and shares it only when told to', async () => {
    const message =
      '/home/me/.ssh/id_ed25519 looks like an SSH private key: whoever gets the link gets a copy';
    const backend = await start({ chosen: ['/home/me/.ssh/id_ed25519'] });
    const [first] = await choose(backend);
    expect(first?.request.allow_secrets).toBe(false);
    first?.reject({ code: 'looks_secret', message });
    const r = row('id_ed25519');
    const question = await within(r).findByRole('alertdialog', { name: 'Share it anyway?' });
    expect(question).toHaveAccessibleDescription(message);
    expect(within(r).queryByRole('progressbar')).not.toBeInTheDocument();

    await fireEvent.click(within(r).getByRole('button', { name: 'Share anyway' }));
    await waitFor(() => expect(backend.shares).toHaveLength(2));
    const again = backend.shares[1];
    expect(again?.path).toBe('/home/me/.ssh/id_ed25519');
    expect(again?.request).toMatchObject({
      upload_id: first?.request.upload_id,
      file: first?.request.file,
      allow_secrets: true,
    });
    expect(within(r).queryByRole('alertdialog')).not.toBeInTheDocument();
    again?.resolve({ name: 'id_ed25519' });
    await waitFor(() => expect(within(r).getByText(/expires in/)).toBeInTheDocument());
  });

  it('shares nothing when told not to share what looks like a secret', async () => {
    const backend = await start({
      chosen: ['/srv/app/.env'],
      onShare: (s) =>
        s.reject({ code: 'looks_secret', message: '.env looks like an environment file' }),
    });
    await choose(backend);
    const r = row('.env');
    await within(r).findByRole('alertdialog');
    await fireEvent.click(within(r).getByRole('button', { name: 'Don’t share' }));
    expect(within(r).getByText('Not shared')).toBeInTheDocument();
    await flush();
    expect(backend.shares).toHaveLength(1);
  });

  it('offers to share a folder again with the hidden files its zip left out', async () => {
    const backend = await start({ chosen: ['/home/me/project'] });
    const [share] = await choose(backend);
    share?.send({ kind: 'preparing', name: 'project.zip', size: 100, hidden_left_out: 2 });
    share?.resolve({
      name: 'project.zip',
      warnings: ['left out 2 hidden items (.env, .git): hidden files and folders stay out'],
    });
    const r = await screen.findByRole('article', { name: 'project.zip' });
    await waitFor(() => expect(within(r).getByText(/left out 2 hidden items/)).toBeInTheDocument());
    await fireEvent.click(within(r).getByRole('button', { name: 'Share again with hidden files' }));
    await waitFor(() => expect(backend.shares).toHaveLength(2));
    expect(backend.shares[1]?.path).toBe('/home/me/project');
    expect(backend.shares[1]?.request).toMatchObject({
      include_hidden: true,
      allow_secrets: false,
    });
  });

  it('shows a file name with markup as text', async () => {
    const name = '<img src=x onerror=alert(1)>.txt';
    const backend = await start({
      chosen: [`/tmp/${name}`],
      onShare: (s) => s.reject({ code: 'not_found', message: `no such file: <b>${name}</b>` }),
    });
    await choose(backend);
    await waitFor(() =>
      expect(document.body.textContent).toContain(`no such file: <b>${name}</b>`),
    );
    expect(document.querySelector('img[src="x"]')).toBeNull();
    expect(document.querySelector('b')).toBeNull();
    expect(document.body.textContent).toContain(name);
    expect(row(name)).toBeInTheDocument();
  });

  it('alerts when the file dialog fails', async () => {
    const backend = await start({
      chosen: () => {
        throw { code: 'dialog', message: 'the file dialog is unavailable' };
      },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Choose files…' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('the file dialog is unavailable');
    expect(backend.shares).toHaveLength(0);
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('does nothing when the file dialog is cancelled', async () => {
    const backend = await start({ chosen: [] });
    await fireEvent.click(screen.getByRole('button', { name: 'Choose files…' }));
    await flush();
    expect(backend.callsOf('choose_files')).toHaveLength(1);
    expect(backend.callsOf('share_file')).toHaveLength(0);
    expect(screen.queryAllByRole('article')).toHaveLength(0);
  });
});

describe('a finished share', () => {
  async function finished(fields: Parameters<typeof makeShare>[0] = {}) {
    const backend = await start({ chosen: ['/home/me/report.pdf'] });
    const [share] = await choose(backend);
    if (!share) throw new Error('no share');
    const result = share.resolve(fields);
    await waitFor(() => expect(within(row(result.name)).getByText('Link copied')).toBeVisible());
    return { backend, result, r: row(result.name) };
  }

  it('shows the link, a countdown and a QR code image', async () => {
    const { result, r } = await finished();
    expect(r.querySelector('.link')?.textContent).toBe(result.url);
    expect(r.querySelector('.link')).toHaveAttribute('title', result.url);
    expect(r).toHaveTextContent(/expires in (59 min 5\d s|1 h)/);
    const qr = within(r).getByRole('img', { name: 'QR code of the link to report.pdf' });
    expect(qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
    expect(within(r).queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('hides and shows the QR code', async () => {
    const { r } = await finished();
    const toggle = within(r).getByRole('button', { name: 'Hide QR code' });
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await fireEvent.click(toggle);
    expect(within(r).queryByRole('img')).not.toBeInTheDocument();
    expect(within(r).getByRole('button', { name: 'Show QR code' })).toHaveAttribute(
      'aria-expanded',
      'false',
    );
    await fireEvent.click(within(r).getByRole('button', { name: 'Show QR code' }));
    expect(within(r).getByRole('img')).toBeInTheDocument();
  });

  it('copies the link with copy_link and says Copied', async () => {
    const { backend, result, r } = await finished();
    const copy = within(r).getByRole('button', { name: 'Copy link to report.pdf' });
    await fireEvent.click(copy);
    await waitFor(() =>
      expect(backend.callsOf('copy_link')).toEqual([
        { cmd: 'copy_link', args: { url: result.url } },
      ]),
    );
    await waitFor(() => expect(copy).toHaveTextContent('Copied'));
  });

  it('shows the share’s warnings', async () => {
    const warning = 'the credentials expire in 10 minutes, before the link does';
    const { r } = await finished({ warnings: [warning] });
    expect(within(r).getByText(warning)).toHaveClass('warning');
  });

  it('says Link copied only on the row whose link is in the clipboard', async () => {
    const backend = await start({ chosen: ['/home/me/a.txt'] });
    const [a] = await choose(backend);
    a?.resolve({ name: 'a.txt', url: 'https://example.com/a' });
    await waitFor(() => expect(within(row('a.txt')).getByText('Link copied')).toBeVisible());
    const [b] = await choose(backend);
    b?.resolve({ name: 'a2.txt', url: 'https://example.com/b' });
    await waitFor(() => expect(within(row('a2.txt')).getByText('Link copied')).toBeVisible());
    expect(within(row('a.txt')).queryByText('Link copied')).not.toBeInTheDocument();

    await fireEvent.click(within(row('a.txt')).getByRole('button', { name: /^Copy/ }));
    await waitFor(() => expect(within(row('a.txt')).getByText('Link copied')).toBeVisible());
    expect(within(row('a2.txt')).queryByText('Link copied')).not.toBeInTheDocument();
  });
});

describe('the countdown', () => {
  it('ticks with one shared timer and turns into expired', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 0, 1, 12, 0, 0));
    const backend = mockBackend({ chosen: ['/home/me/a.txt', '/home/me/b.txt'] });
    render(App);
    await flush();
    await fireEvent.click(screen.getByRole('button', { name: 'Choose files…' }));
    await flush();
    const [a, b] = backend.shares;
    a?.resolve({ name: 'a.txt', expires_at: '2026-01-01T13:00:00Z' });
    b?.resolve({ name: 'b.txt', expires_at: '2026-01-01T12:00:42Z' });
    await flush();

    expect(row('a.txt')).toHaveTextContent('expires in 1 h');
    expect(row('b.txt')).toHaveTextContent('expires in 42 s');
    // Two countdowns, one interval.
    expect(vi.getTimerCount()).toBe(1);

    await vi.advanceTimersByTimeAsync(2000);
    expect(row('a.txt')).toHaveTextContent('expires in 59 min 58 s');
    expect(row('b.txt')).toHaveTextContent('expires in 40 s');

    await vi.advanceTimersByTimeAsync(40_000);
    expect(row('a.txt')).toHaveTextContent('expires in 59 min 18 s');
    expect(within(row('b.txt')).getByText('expired')).toBeInTheDocument();

    cleanup();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('the expiry picker', () => {
  it('sends the chosen expiry and remembers it across runs', async () => {
    const backend = await start({ chosen: ['/home/me/a.txt'] });
    expect(screen.getByRole('radio', { name: '1 hour' })).toBeChecked();
    await fireEvent.click(screen.getByRole('radio', { name: '1 day' }));
    expect(localStorage.getItem('linkdrop.expiry')).toBe('1d');
    const [share] = await choose(backend);
    expect(share?.request.expires).toBe('1d');

    cleanup();
    await start();
    expect(screen.getByRole('radio', { name: '1 day' })).toBeChecked();
    expect(screen.getByRole('radio', { name: '1 hour' })).not.toBeChecked();
  });

  it('takes a custom duration, validates it and remembers it', async () => {
    const backend = await start({ chosen: ['/home/me/a.txt'] });
    expect(screen.queryByRole('textbox', { name: 'Custom expiry' })).not.toBeInTheDocument();
    await fireEvent.click(screen.getByRole('radio', { name: 'Custom…' }));
    const input = screen.getByRole('textbox', { name: 'Custom expiry' });

    await fireEvent.input(input, { target: { value: '8d' } });
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription('A link can live at most 7 days.');
    await fireEvent.click(screen.getByRole('button', { name: 'Choose files…' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('at most 7 days');
    expect(backend.shares).toHaveLength(0);

    await fireEvent.input(input, { target: { value: '2h30m' } });
    expect(input).toHaveAttribute('aria-invalid', 'false');
    expect(localStorage.getItem('linkdrop.expiry')).toBe('2h30m');
    const [share] = await choose(backend);
    expect(share?.request.expires).toBe('2h30m');

    cleanup();
    await start();
    expect(screen.getByRole('radio', { name: 'Custom…' })).toBeChecked();
    expect(screen.getByRole('textbox', { name: 'Custom expiry' })).toHaveValue('2h30m');
  });

  it('starts from the default profile’s expiry when nothing was chosen before', async () => {
    await start({
      profiles: {
        default: 'p',
        profiles: [
          {
            name: 'p',
            bucket: 'b',
            endpoint: null,
            default_expiry: '7d',
            delete_after_expiry: false,
          },
        ],
      },
    });
    await waitFor(() => expect(screen.getByRole('radio', { name: '7 days' })).toBeChecked());
  });
});

describe('the profile picker', () => {
  it('is hidden with one profile, and the request names none', async () => {
    const backend = await start({ chosen: ['/home/me/a.txt'] });
    await flush();
    expect(backend.callsOf('list_profiles')).toHaveLength(1);
    expect(screen.queryByRole('combobox', { name: 'Profile' })).not.toBeInTheDocument();
    const [share] = await choose(backend);
    expect(share?.request.profile).toBeNull();
  });

  it('is shown with two profiles, starts at the default and names the choice', async () => {
    const backend = await start({ profiles: TWO_PROFILES, chosen: ['/home/me/a.txt'] });
    const select = await screen.findByRole('combobox', { name: 'Profile' });
    expect(select).toHaveValue('work');
    // "work" deletes shares once their links expire: the checkbox starts so, and says so.
    const deletion = screen.getByLabelText('Delete from the bucket when the link expires');
    await waitFor(() => expect(deletion).toBeChecked());
    let [share] = await choose(backend);
    expect(share?.request).toMatchObject({ profile: 'work', delete_after_expiry: true });

    await fireEvent.change(select, { target: { value: 'home' } });
    expect(deletion).not.toBeChecked();
    [share] = await choose(backend);
    expect(share?.request).toMatchObject({ profile: 'home', delete_after_expiry: false });
  });
});

describe('drag and drop', () => {
  const position = { x: 10, y: 10 };

  it('highlights the drop zone while files hover and shares what is dropped', async () => {
    const backend = await start();
    const zone = screen.getByRole('region', { name: 'Share files' });
    expect(zone).not.toHaveClass('hovering');

    await emit('tauri://drag-enter', { paths: ['/home/me/a.txt'], position });
    await flush();
    expect(zone).toHaveClass('hovering');
    expect(zone).toHaveTextContent('Drop to share');

    await emit('tauri://drag-leave', null);
    await flush();
    expect(zone).not.toHaveClass('hovering');
    expect(zone).not.toHaveTextContent('Drop to share');

    await emit('tauri://drag-enter', { paths: ['/home/me/a.txt', '/home/me/dir'], position });
    await emit('tauri://drag-drop', { paths: ['/home/me/a.txt', '/home/me/dir'], position });
    await flush();
    expect(zone).not.toHaveClass('hovering');
    // The backend takes the drop (where paths are exact) and hands the files over.
    expect(backend.shares).toHaveLength(0);
    await handOver(['/home/me/a.txt', '/home/me/dir']);
    await waitFor(() => expect(backend.shares).toHaveLength(2));
    expect(backend.shares.map((s) => s.path)).toEqual(['/home/me/a.txt', '/home/me/dir']);
    expect(zone).not.toHaveClass('hovering');
    expect(row('a.txt')).toBeInTheDocument();
    expect(row('dir')).toBeInTheDocument();
  });

  it('stops listening when the window goes away', async () => {
    const backend = await start();
    cleanup();
    await flush();
    await handOver(['/home/me/a.txt']);
    await flush();
    expect(backend.shares).toHaveLength(0);
  });
});

describe('views', () => {
  it('switches to the History tab and back without losing the shares in progress', async () => {
    const backend = await start({
      chosen: ['/home/me/a.txt'],
      history: [makeEntry({ id: 'h1', name: 'older.pdf' })],
    });
    const [pending] = await choose(backend);
    const shareTab = screen.getByRole('tab', { name: 'Share' });
    const historyTab = screen.getByRole('tab', { name: 'History' });
    expect(shareTab).toHaveAttribute('aria-selected', 'true');

    await fireEvent.click(historyTab);
    expect(historyTab).toHaveAttribute('aria-selected', 'true');
    await waitFor(() =>
      expect(document.querySelector("[data-entry-id='h1']")).toHaveTextContent('older.pdf'),
    );
    expect(screen.queryByRole('region', { name: 'Share files' })).toBeNull();

    // The arrow keys move between tabs, as in any tab list.
    await fireEvent.keyDown(historyTab, { key: 'ArrowLeft' });
    expect(shareTab).toHaveAttribute('aria-selected', 'true');
    expect(row('a.txt')).toBeInTheDocument();
    pending?.resolve();
    await waitFor(() => expect(row('a.txt')).toHaveAttribute('data-phase', 'done'));
  });

  it('goes back to the Share view when files are dropped on the History view', async () => {
    const backend = await start();
    await fireEvent.click(screen.getByRole('tab', { name: 'History' }));
    await handOver(['/home/me/dropped.txt']);
    await waitFor(() => expect(backend.shares).toHaveLength(1));
    expect(screen.getByRole('tab', { name: 'Share' })).toHaveAttribute('aria-selected', 'true');
    expect(row('dropped.txt')).toBeInTheDocument();
  });
});

describe('one link for several files', () => {
  it('shares a drop of several files as one page when asked to', async () => {
    const backend = await start();
    await fireEvent.click(screen.getByLabelText(/One link for all the files/));
    await handOver(['/home/me/a.txt', '/home/me/b.png']);
    await waitFor(() => expect(backend.callsOf('share_page')).toHaveLength(1));
    expect(backend.callsOf('share_file')).toHaveLength(0);
    const request = backend.callsOf('share_page')[0]?.args.request as { files: number[] };
    expect(request.files).toHaveLength(2);
    expect(row('a.txt and 1 more')).toBeInTheDocument();
    backend.shares[0]?.send({
      kind: 'preparing',
      name: 'a.txt and 1 more file',
      size: 30,
      hidden_left_out: 0,
    });
    backend.shares[0]?.resolve({ name: 'a.txt and 1 more file', size: 30 });
    await waitFor(() => expect(row('a.txt and 1 more file')).toHaveAttribute('data-phase', 'done'));
  });
});

describe('encryption', () => {
  it('gives each file its own encrypted page when asked to', async () => {
    const backend = await start();
    await fireEvent.click(screen.getByLabelText(/Encrypt here first/));
    await handOver(['/home/me/a.txt', '/home/me/b.txt']);
    await waitFor(() => expect(backend.callsOf('share_page')).toHaveLength(2));
    expect(backend.callsOf('share_file')).toHaveLength(0);
    for (const call of backend.callsOf('share_page')) {
      const request = call.args.request as { files: number[]; encrypt: boolean };
      expect(request.encrypt).toBe(true);
      expect(request.files).toHaveLength(1);
    }
  });

  it('starts with Encrypt as saved in Settings', async () => {
    await start({
      desktop: { share_shortcut: null, start_at_login: false, encrypt_by_default: true },
    });
    await waitFor(() => expect(screen.getByLabelText(/Encrypt here first/)).toBeChecked());
  });

  it('shares as the sender said, whatever the checkboxes say', async () => {
    const backend = await start();
    // `linkdrop share --encrypt` (or the tray with encryption on) while Encrypt is off here.
    await handOver(['/home/me/secret.txt'], '1h', { encrypt: true, page: false });
    await waitFor(() => expect(backend.callsOf('share_page')).toHaveLength(1));
    expect(backend.callsOf('share_page')[0]?.args.request).toMatchObject({ encrypt: true });
    // `linkdrop share` without it while Encrypt is on here: not encrypted.
    await fireEvent.click(screen.getByLabelText(/Encrypt here first/));
    await handOver(['/home/me/plain.txt'], '1h', { encrypt: false, page: false });
    await waitFor(() => expect(backend.callsOf('share_file')).toHaveLength(1));
    expect(backend.callsOf('share_page')).toHaveLength(1);
    // A drop says nothing: the checkbox holds.
    await handOver(['/home/me/dropped.txt']);
    await waitFor(() => expect(backend.callsOf('share_page')).toHaveLength(2));
  });
});

describe('files from outside the window', () => {
  it('shares files from the tray or another linkdrop with the expiry they came with', async () => {
    const backend = await start({
      pendingShares: [{ paths: ['/home/me/early.txt'], expires: null }],
    });
    await waitFor(() => expect(backend.shares).toHaveLength(1));
    expect(backend.shares[0]?.path).toBe('/home/me/early.txt');
    expect(backend.shares[0]?.request).toMatchObject({ expires: '1h' });

    await fireEvent.click(screen.getByRole('tab', { name: 'History' }));
    await handOver(['/home/me/from tray.pdf'], '7d');
    await waitFor(() => expect(backend.shares).toHaveLength(2));
    expect(backend.shares[1]?.path).toBe('/home/me/from tray.pdf');
    expect(backend.shares[1]?.request).toMatchObject({ expires: '7d' });
    expect(screen.getByRole('tab', { name: 'Share' })).toHaveAttribute('aria-selected', 'true');
    expect(row('from tray.pdf')).toBeInTheDocument();
  });
});
