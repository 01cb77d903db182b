import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';

import HistoryView from './HistoryView.svelte';
import { HistoryStore, PAGE_SIZE } from '../../lib/history.svelte';
import type { HistoryEntry } from '../../lib/ipc';
import {
  flush,
  makeEntries,
  makeEntry,
  mockBackend,
  type Backend,
  type BackendOptions,
} from '../../test/backend';

afterEach(() => {
  cleanup();
  clearMocks();
  vi.useRealTimers();
});

async function open(
  options: BackendOptions = {},
): Promise<{ backend: Backend; store: HistoryStore }> {
  const backend = mockBackend(options);
  const store = new HistoryStore();
  render(HistoryView, { store, visible: true, viewportHeight: 480 });
  await waitFor(() => expect(store.total).not.toBeNull());
  await flush();
  return { backend, store };
}

function row(id: string): HTMLElement {
  const found = document.querySelector<HTMLElement>(`[data-entry-id='${id}']`);
  if (found === null) throw new Error(`no row ${id}`);
  return found;
}

function action(id: string, name: string): HTMLElement {
  const found = row(id).querySelector<HTMLElement>(`[data-action='${name}']`);
  if (found === null) throw new Error(`no ${name} on row ${id}`);
  return found;
}

function dialog(): HTMLElement {
  const found = document.querySelector<HTMLElement>('dialog[open]');
  if (found === null) throw new Error('no open dialog');
  return found;
}

function offsets(backend: Backend): number[] {
  return backend.callsOf('history_page').map((c) => Number(c.args.offset));
}

describe('HistoryView', () => {
  it('counts down with the page clock, in amber near the end, then says expired', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
    const now = Date.now();
    const history = [
      // A minute-long link with 2 s left: under a tenth of its lifetime.
      makeEntry({
        id: 'soon',
        issued_at: new Date(now - 58_000).toISOString(),
        expires_at: new Date(now + 2_000).toISOString(),
      }),
      makeEntry({ id: 'fresh' }),
    ];
    await open({ history });
    const countdown = () => row('soon').querySelector('.countdown');
    expect(countdown()).toHaveTextContent('expires in 2 s');
    expect(countdown()).toHaveClass('soon');
    expect(row('soon')).toHaveAttribute('data-state', 'expiring_soon');
    expect(row('fresh').querySelector('.countdown')).not.toHaveClass('soon');
    expect(row('fresh')).toHaveAttribute('data-state', 'active');

    await vi.advanceTimersByTimeAsync(3_000);
    expect(countdown()).toHaveTextContent('expired just now');
    expect(row('soon')).toHaveAttribute('data-state', 'expired');
    expect(countdown()).not.toHaveClass('soon');
  });

  it('updates the counts when a link expires, with no change to the ledger', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
    const history = [
      makeEntry({ id: 'a', expires_at: new Date(Date.now() + 5_000).toISOString() }),
    ];
    const { backend } = await open({ history });
    const count = (filter: string) =>
      document.querySelector(`[data-filter='${filter}'] .count`)?.textContent;
    expect([count('active'), count('expired')]).toEqual(['1', '0']);
    const before = backend.callsOf('history_counts').length;
    await vi.advanceTimersByTimeAsync(6_000);
    await flush();
    expect(backend.callsOf('history_counts').length).toBeGreaterThan(before);
    expect([count('active'), count('expired')]).toEqual(['0', '1']);
  });

  it('keeps new counts coming when a filter click supersedes the refresh that asked for them', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
    const history = [
      makeEntry({ id: 'a', expires_at: new Date(Date.now() + 5_000).toISOString() }),
    ];
    // The refresh at the expiry gets its counts but its page is held, as on a busy machine.
    let holding = false;
    const held = new Promise<void>(() => {});
    const { backend } = await open({
      history,
      pageGate: (args) => (holding && args.filter === 'all' ? held : Promise.resolve()),
    });
    const count = (filter: string) =>
      document.querySelector(`[data-filter='${filter}'] .count`)?.textContent;
    holding = true;
    await vi.advanceTimersByTimeAsync(6_000);
    await flush();
    const before = backend.callsOf('history_counts').length;
    await fireEvent.click(screen.getByRole('button', { name: /^Active/ }));
    await flush();
    expect(backend.callsOf('history_counts').length).toBeGreaterThan(before);
    expect([count('active'), count('expired')]).toEqual(['0', '1']);
  });

  it('keeps only a window of 100,000 entries in the page and loads pages as they scroll in', async () => {
    const { backend } = await open({ history: makeEntries(100_000) });
    expect(screen.getByText('100000 links')).toBeInTheDocument();
    const rows = document.querySelectorAll('[data-entry-id]');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
    expect(offsets(backend)).toEqual([0]);
    expect(backend.callsOf('history_page')[0]?.args.limit).toBe(PAGE_SIZE);

    const viewport = document.querySelector<HTMLElement>('.viewport');
    if (viewport === null) throw new Error('no viewport');
    viewport.scrollTop = 150 * 64;
    await fireEvent.scroll(viewport);
    await flush();
    expect(offsets(backend)).toEqual([0, 100]);
    expect(row('e150')).toBeInTheDocument();
    expect(document.querySelector("[data-entry-id='e0']")).toBeNull();

    viewport.scrollTop = 99_990 * 64;
    await fireEvent.scroll(viewport);
    await flush();
    expect(offsets(backend)).toEqual([0, 100, 99_900]);
    expect(row('e99999')).toBeInTheDocument();
    expect(document.querySelectorAll('[data-entry-id]').length).toBeLessThan(40);
  });

  it('searches and filters on the backend and never shows an answer to an older query', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const history = [
      makeEntry({ id: 'r', name: 'Report.pdf' }),
      makeEntry({ id: 'p', name: 'photo.png' }),
      makeEntry({
        id: 'x',
        name: 'old.txt',
        expires_at: new Date(Date.now() - 1000).toISOString(),
      }),
    ];
    // The first search's answer is held back until after the second search answered.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const { backend, store } = await open({
      history,
      pageGate: (args) => (args.search === 'photo' ? held : Promise.resolve()),
    });
    expect(
      within(document.querySelector('[data-filter="expired"]') as HTMLElement).getByText('1'),
    ).toBeInTheDocument();

    const search = screen.getByRole('searchbox', { name: 'Search by file name' });
    await fireEvent.input(search, { target: { value: 'photo' } });
    await vi.advanceTimersByTimeAsync(250);
    await fireEvent.input(search, { target: { value: 'report' } });
    await vi.advanceTimersByTimeAsync(250);
    await flush();
    expect(row('r')).toBeInTheDocument();
    release();
    await flush();
    expect(document.querySelector("[data-entry-id='p']")).toBeNull();
    expect(store.search).toBe('report');
    const last = backend.callsOf('history_page').at(-1);
    expect(last?.args).toMatchObject({ search: 'report', filter: 'all', offset: 0 });

    await fireEvent.input(search, { target: { value: '' } });
    await vi.advanceTimersByTimeAsync(250);
    await fireEvent.click(screen.getByRole('button', { name: /^Expired/ }));
    await flush();
    expect(backend.callsOf('history_page').at(-1)?.args).toMatchObject({
      search: null,
      filter: 'expired',
    });
    expect(row('x')).toBeInTheDocument();
    expect(document.querySelector("[data-entry-id='r']")).toBeNull();
    expect(screen.getByRole('button', { name: /^Expired/ })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
  });

  it('copies an active link, and offers to re-issue an expired one instead of copying it', async () => {
    const history = [
      makeEntry({ id: 'live', name: 'live.txt' }),
      makeEntry({
        id: 'old',
        name: 'old.txt',
        expires_at: new Date(Date.now() - 2 * 86_400_000 - 5000).toISOString(),
      }),
    ];
    const { backend } = await open({ history });
    await fireEvent.click(action('live', 'copy'));
    await flush();
    expect(backend.callsOf('copy_link').map((c) => c.args.url)).toEqual([history[0]?.url]);
    expect(row('live').querySelector('.countdown')).toHaveTextContent('Copied');

    await fireEvent.click(action('old', 'copy'));
    await flush();
    expect(backend.callsOf('copy_link')).toHaveLength(1);
    expect(dialog()).toHaveTextContent('This link expired 2 days ago');
    await fireEvent.click(within(dialog()).getByRole('button', { name: '1 day' }));
    await flush();
    expect(backend.callsOf('reissue_link').map((c) => c.args)).toEqual([
      { id: 'old', expires: '1d', announce: true },
    ]);
    await waitFor(() => expect(row('old')).toHaveAttribute('data-state', 'active'));
    expect(row('old').querySelector('.countdown')).toHaveTextContent(/expires in (23 h|1 d)/);
  });

  it('re-issues from a row with an expiry choice and shows the error when it fails', async () => {
    const history: HistoryEntry[] = [
      makeEntry({ id: 'a', name: 'a.txt', expires_at: new Date(Date.now() - 1000).toISOString() }),
      makeEntry({ id: 'gone', name: 'gone.txt' }),
    ];
    const { backend } = await open({
      history,
      entryFailures: {
        gone: { code: 'object_missing', message: 'gone.txt is no longer in bucket "bucket"' },
      },
    });
    await fireEvent.click(action('a', 'reissue'));
    await fireEvent.click(within(dialog()).getByRole('button', { name: '1 hour' }));
    await flush();
    expect(backend.callsOf('reissue_link').at(-1)?.args).toEqual({
      id: 'a',
      expires: '1h',
      announce: true,
    });
    await waitFor(() =>
      expect(row('a').querySelector('.countdown')).toHaveTextContent(/expires in 59 min|1 h/),
    );
    expect(document.querySelector('dialog[open]')).toBeNull();

    // A custom duration is checked before it is sent.
    await fireEvent.click(action('gone', 'reissue'));
    const custom = within(dialog()).getByRole('textbox');
    await fireEvent.input(custom, { target: { value: '9d' } });
    expect(within(dialog()).getByRole('button', { name: 'Re-issue' })).toBeDisabled();
    expect(dialog()).toHaveTextContent('at most 7 days');
    await fireEvent.input(custom, { target: { value: '2h30m' } });
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Re-issue' }));
    await flush();
    expect(backend.callsOf('reissue_link').at(-1)?.args).toMatchObject({ expires: '2h30m' });
    await waitFor(() =>
      expect(within(row('gone')).getByRole('alert')).toHaveTextContent('no longer in bucket'),
    );
  });

  it('revokes only after a confirmation, and removes with or without the file', async () => {
    const history = [
      makeEntry({ id: 'a', name: 'a.txt', bucket: 'photos' }),
      makeEntry({ id: 'b', name: 'b.txt' }),
      makeEntry({ id: 'c', name: 'c.txt' }),
    ];
    const { backend } = await open({ history });
    await fireEvent.click(action('a', 'revoke'));
    expect(dialog()).toHaveTextContent('This deletes the file from bucket photos');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Cancel' }));
    expect(backend.callsOf('revoke_link')).toHaveLength(0);
    expect(document.querySelector('dialog[open]')).toBeNull();

    await fireEvent.click(action('a', 'revoke'));
    await fireEvent.click(dialog().querySelector('[data-confirm]') as HTMLElement);
    await flush();
    expect(backend.callsOf('revoke_link').map((c) => c.args.id)).toEqual(['a']);
    await waitFor(() => expect(row('a')).toHaveAttribute('data-state', 'revoked'));
    expect(row('a').querySelector('[data-action="copy"]')).toBeNull();

    await fireEvent.click(action('b', 'remove'));
    await fireEvent.click(dialog().querySelector('[data-action="forget"]') as HTMLElement);
    await fireEvent.click(action('c', 'remove'));
    await fireEvent.click(dialog().querySelector('[data-action="forget-delete"]') as HTMLElement);
    await flush();
    expect(backend.callsOf('forget_link').map((c) => c.args)).toEqual([
      { id: 'b', deleteObject: false },
      { id: 'c', deleteObject: true },
    ]);
    await waitFor(() => expect(document.querySelector("[data-entry-id='c']")).toBeNull());
  });

  it('makes one page of a selection, and shows a page row its files', async () => {
    const history = makeEntries(3);
    const names = history.map((e) => e.name);
    const { backend } = await open({ history });
    await fireEvent.click(within(row('e0')).getByRole('checkbox'));
    // One file is no page: the action waits for a second.
    expect(screen.queryByRole('button', { name: 'One link for all…' })).toBeNull();
    await fireEvent.click(within(row('e2')).getByRole('checkbox'));
    await fireEvent.click(screen.getByRole('button', { name: 'One link for all…' }));
    expect(dialog()).toHaveTextContent('One link for 2 files');
    expect(dialog()).toHaveTextContent('Nothing is uploaded again.');
    expect(dialog()).toHaveTextContent('The page and its files last:');
    await fireEvent.click(within(dialog()).getByRole('button', { name: '7 days' }));
    await flush();
    expect(backend.callsOf('page_of_entries').map((c) => c.args)).toEqual([
      { ids: ['e0', 'e2'], expires: '7d' },
    ]);
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent('One link for 2 files: copied.'),
    );
    // The files went under the page: the list shows it, and it shows them.
    await waitFor(() => expect(document.querySelector("[data-entry-id='e0']")).toBeNull());
    const page = backend.history[0] as HistoryEntry;
    expect(page.kind).toBe('page');
    await fireEvent.click(action(page.id, 'files'));
    await flush();
    expect(backend.callsOf('page_files').map((c) => c.args.id)).toEqual([page.id]);
    const files = within(dialog()).getByRole('list', { name: 'Files on the page' });
    expect(
      within(files)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([expect.stringContaining(names[0] ?? '?'), expect.stringContaining(names[2] ?? '?')]);
  });

  it('says why a selection cannot be one page, and keeps it', async () => {
    const history = [makeEntry({ id: 'p', kind: 'page', name: 'a page' }), ...makeEntries(1)];
    const { backend } = await open({ history });
    await fireEvent.click(within(row('p')).getByRole('checkbox'));
    await fireEvent.click(within(row('e0')).getByRole('checkbox'));
    await fireEvent.click(screen.getByRole('button', { name: 'One link for all…' }));
    await fireEvent.click(within(dialog()).getByRole('button', { name: '1 hour' }));
    await flush();
    expect(backend.callsOf('page_of_entries')).toHaveLength(1);
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent(
        'No page was made: a page is a page already',
      ),
    );
    expect(screen.getByText('2 selected')).toBeInTheDocument();
  });

  it("copies an encrypted page's link through the backend, which holds its key", async () => {
    const history = [
      makeEntry({ id: 'sealed', kind: 'page', encrypted: true, name: 'Encrypted files' }),
    ];
    const { backend } = await open({ history });
    await fireEvent.click(action('sealed', 'copy'));
    await flush();
    expect(backend.callsOf('copy_entry_link').map((c) => c.args.id)).toEqual(['sealed']);
    expect(backend.callsOf('copy_link')).toHaveLength(0);
    expect(row('sealed').querySelector('.meta')).toHaveTextContent('Encrypted page');
  });

  it('re-issues a selection three at a time and offers to copy the new links', async () => {
    const history = makeEntries(6);
    let release: () => void = () => {};
    let gate = new Promise<void>((resolve) => (release = resolve));
    const { backend } = await open({
      history,
      gate: () => gate,
      entryFailures: { e2: { code: 'object_changed', message: 'file 2.txt was replaced' } },
    });
    // Click the first, shift-click the fifth: five selected.
    await fireEvent.click(within(row('e0')).getByRole('checkbox'));
    await fireEvent.click(within(row('e4')).getByRole('checkbox'), { shiftKey: true });
    expect(screen.getByText('5 selected')).toBeInTheDocument();

    await fireEvent.click(screen.getByRole('button', { name: 'Re-issue…' }));
    expect(dialog()).toHaveTextContent('Re-issue 5 links?');
    await fireEvent.click(within(dialog()).getByRole('button', { name: '7 days' }));
    await flush();
    expect(backend.callsOf('reissue_link')).toHaveLength(3);
    expect(screen.getByRole('status')).toHaveTextContent('Re-issuing 0 of 5…');
    const opened = gate;
    gate = Promise.resolve();
    release();
    await opened;
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent(/^Re-issued 4 links/));
    expect(backend.maxInFlight).toBe(3);
    expect(backend.callsOf('reissue_link').every((c) => c.args.announce === false)).toBe(true);
    expect(screen.getByRole('status')).toHaveTextContent(
      '1 failed: file 2.txt — file 2.txt was replaced',
    );
    expect(within(row('e2')).getByRole('alert')).toHaveTextContent('was replaced');

    await fireEvent.click(await screen.findByRole('button', { name: 'Copy 4 links' }));
    await flush();
    const copied = backend.callsOf('copy_link').at(-1)?.args.url as string;
    expect(copied.split('\n')).toEqual(
      ['e0', 'e1', 'e3', 'e4'].map((id) => history.find((e) => e.id === id)?.url),
    );
    // The failed one stays selected, for another try.
    expect(screen.getByText('1 selected')).toBeInTheDocument();
  });

  it('refreshes when the history changes elsewhere', async () => {
    const history = [makeEntry({ id: 'a', name: 'a.txt' })];
    const { backend } = await open({ history });
    const before = backend.callsOf('history_page').length;
    history.unshift(makeEntry({ id: 'new', name: 'from the command line.txt' }));
    await emit('history-changed');
    await waitFor(() => expect(row('new')).toBeInTheDocument());
    expect(backend.callsOf('history_page').length).toBeGreaterThan(before);
    expect(screen.getByText('2 links')).toBeInTheDocument();
  });

  it('says what to do when the history is empty or cannot be read', async () => {
    await open({ history: [] });
    expect(screen.getByText('Links you share appear here.')).toBeInTheDocument();
    cleanup();
    clearMocks();

    const backend = mockBackend({
      failing: { history_page: { code: 'history', message: 'database disk image is malformed' } },
    });
    render(HistoryView, { store: new HistoryStore(), visible: true, viewportHeight: 480 });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The history could not be read: database disk image');
    expect(within(alert).getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(backend.callsOf('history_page').length).toBeGreaterThan(0);
  });
});
