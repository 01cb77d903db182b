import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import RequestsView from './RequestsView.svelte';
import { flush, makeRequest, mockBackend, type BackendOptions } from '../../test/backend';

afterEach(() => {
  cleanup();
  clearMocks();
  vi.restoreAllMocks();
});

async function open(options: BackendOptions = {}) {
  const backend = mockBackend(options);
  render(RequestsView, { profile: 'work' });
  await flush();
  return backend;
}

const field = (label: RegExp) => screen.getByLabelText(label) as HTMLInputElement;

describe('RequestsView', () => {
  it('makes a request from the form and shows its link with a QR code', async () => {
    const backend = await open();
    expect(screen.getByText('No upload requests yet.')).toBeInTheDocument();
    await fireEvent.input(field(/What for/), { target: { value: 'Invoices for March' } });
    await fireEvent.input(field(/Note for the sender/), { target: { value: 'PDFs, please' } });
    await fireEvent.input(field(/Largest file/), { target: { value: '20M' } });
    await fireEvent.input(field(/Allowed types/), { target: { value: 'application/pdf' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create link' }));
    await waitFor(() => expect(backend.callsOf('create_request')).toHaveLength(1));
    expect(backend.callsOf('create_request')[0]?.args).toEqual({
      form: {
        name: 'Invoices for March',
        from: null,
        note: 'PDFs, please',
        expires: '1h',
        max_size: '20M',
        accept: 'application/pdf',
        profile: 'work',
      },
    });
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent('Link for Invoices for March copied.'),
    );
    const link = screen.getByLabelText('Upload link for Invoices for March') as HTMLInputElement;
    expect(link.value).toContain('X-Amz-Signature');
    expect(
      screen.getByAltText('QR code of the upload link for Invoices for March'),
    ).toBeInTheDocument();
  });

  it('says what is wrong with the form, in the backend’s words, and makes nothing', async () => {
    const backend = await open();
    await fireEvent.click(screen.getByRole('button', { name: 'Create link' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Give the request a name');
    expect(backend.callsOf('create_request')).toHaveLength(0);
    await fireEvent.input(field(/What for/), { target: { value: 'x' } });
    await fireEvent.input(field(/Largest file/), { target: { value: 'lots' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create link' }));
    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent('"lots" is not a size'),
    );
  });

  it('lists what arrived, with the sender, and acts on each file', async () => {
    const arrival = {
      request_id: 'r1',
      key: 'requests/r1/in/abc/contract.pdf',
      name: 'contract.pdf',
      size: 2048,
      content_type: 'application/pdf',
      received_at: new Date().toISOString(),
      sender: 'Bob',
      message: 'signed',
      e_tag: '"abc"',
    };
    const backend = await open({
      requests: [
        {
          request: makeRequest({ files: 1 }),
          state: 'open',
          max_size_text: '100 MB',
          accept_text: 'only PDF files',
          arrivals: [arrival],
        },
      ],
    });
    const files = screen.getByRole('list', { name: 'Files that arrived for Invoices' });
    expect(files).toHaveTextContent('contract.pdf');
    expect(files).toHaveTextContent('2.0 KiB');
    expect(files).toHaveTextContent('from Bob: signed');
    expect(screen.getByText(/up to 100 MB a file · only PDF files/)).toBeInTheDocument();
    expect(backend.callsOf('refresh_requests')).toHaveLength(1);

    await fireEvent.click(within(files).getByRole('button', { name: 'Save…' }));
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent(
        'Saved to /home/me/Downloads/contract.pdf',
      ),
    );
    expect(backend.callsOf('save_arrivals')[0]?.args).toEqual({ id: 'r1', key: arrival.key });

    await fireEvent.click(within(files).getByRole('button', { name: 'Share link' }));
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent('Link to contract.pdf copied.'),
    );

    vi.spyOn(window, 'confirm').mockReturnValue(true);
    await fireEvent.click(within(files).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.getByText('Nothing has arrived yet.')).toBeInTheDocument());
    expect(backend.callsOf('delete_arrival')[0]?.args).toEqual({ id: 'r1', key: arrival.key });
  });

  it('closes a request after asking, and says what closing cannot do', async () => {
    const backend = await open({
      requests: [
        {
          request: makeRequest(),
          state: 'open',
          max_size_text: '100 MB',
          accept_text: null,
          arrivals: [],
        },
      ],
    });
    const confirm = vi.spyOn(window, 'confirm').mockReturnValue(false);
    await fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(backend.callsOf('close_request')).toHaveLength(0);
    confirm.mockReturnValue(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent(
        'Invoices is closed. a form someone has open stays signed',
      ),
    );
    expect(screen.queryByRole('button', { name: 'Close' })).not.toBeInTheDocument();
    expect(screen.getByText('closed')).toBeInTheDocument();
  });

  it('says when an ended request’s page has left the bucket', async () => {
    const ended = (name: string, page_deleted_at: string | null) => ({
      request: makeRequest({ id: name, name, page_deleted_at }),
      state: 'expired' as const,
      max_size_text: '100 MB',
      accept_text: null,
      arrivals: [],
    });
    await open({
      requests: [ended('Gone', new Date().toISOString()), ended('Waiting', null)],
    });
    const row = (name: string) => screen.getByText(name).closest('li') as HTMLElement;
    expect(within(row('Gone')).getByText('expired, page deleted')).toBeInTheDocument();
    expect(within(row('Waiting')).getByText('expired')).toBeInTheDocument();
  });

  it('reloads when the backend says a file arrived', async () => {
    const backend = await open();
    backend.requests.push({
      request: makeRequest({ name: 'Late' }),
      state: 'open',
      max_size_text: '100 MB',
      accept_text: null,
      arrivals: [],
    });
    await emit('requests-changed', null);
    await waitFor(() => expect(screen.getByText('Late')).toBeInTheDocument());
  });
});
