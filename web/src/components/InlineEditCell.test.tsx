import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { account } from '../test/fixtures';
import { renderWith } from '../test/render';
import { InlineEditCell } from './InlineEditCell';

afterEach(() => vi.unstubAllGlobals());

const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' } });

const phone = account.fields.find((f) => f.name === 'phone')!;
const record = { id: 'a1', version: 3, name: '华为', phone: '010-1' };

function open() {
  fireEvent.click(screen.getByTestId('inline-edit-phone'));
  const input = screen.getByTestId('inline-editor').querySelector('input')!;
  fireEvent.change(input, { target: { value: '021-2' } });
  fireEvent.click(screen.getByTestId('inline-save'));
  return input;
}

describe('InlineEditCell', () => {
  it('saves the one changed field with If-Match and reports the saved record', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return answer(200, { ...record, phone: '021-2', version: 4 });
      }),
    );
    const onSaved = vi.fn();
    renderWith(<InlineEditCell object={account} field={phone} record={record} onSaved={onSaved} />);
    open();
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(calls[0].url).toBe('/api/v1/records/account/a1');
    expect(calls[0].init.method).toBe('PATCH');
    expect(new Headers(calls[0].init.headers).get('If-Match')).toBe('3');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ phone: '021-2' });
    expect(onSaved.mock.calls[0][0].version).toBe(4);
  });

  it('says clearly that someone else changed the record, keeps the typed value, and reloads on request', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) =>
        init.method === 'PATCH'
          ? answer(412, { status: 412, code: 'stale_version', title: 'Stale', current: 4 })
          : answer(200, { ...record, phone: '010-9', version: 4 }),
      ),
    );
    const onSaved = vi.fn();
    renderWith(<InlineEditCell object={account} field={phone} record={record} onSaved={onSaved} />);
    const input = open();
    expect(await screen.findByTestId('inline-conflict')).toBeTruthy();
    expect(screen.getByText('Someone else changed this record while you were editing.')).toBeTruthy();
    expect(input.value).toBe('021-2');
    expect(onSaved).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('inline-reload'));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ version: 4, phone: '010-9' })));
    expect(input.value).toBe('021-2');
  });

  it('shows a field error under the input', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(422, { status: 422, errors: [{ field: 'phone', code: 'invalid_phone', message: 'Not a phone number.' }] })),
    );
    renderWith(<InlineEditCell object={account} field={phone} record={record} onSaved={vi.fn()} />);
    open();
    expect(await screen.findByText('Not a phone number.', undefined, { timeout: 5000 })).toBeTruthy();
  });
});
