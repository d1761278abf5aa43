import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { actionFields } from '../../lib/actionForm';
import { renderWith } from '../../test/render';
import { ActionFormModal } from './RecordActions';

const fields = actionFields({
  type: 'object',
  required: ['note'],
  properties: {
    note: { type: 'string', title: 'Note' },
    request_key: { anyOf: [{ type: 'string' }, { type: 'null' }], title: 'Request Key', 'x-keyi-request-key': true },
  },
});

describe('ActionFormModal with a request key', () => {
  it('never shows the key, sends one, and the same one again when retried from the same form', async () => {
    const run = vi.fn(async () => {
      throw new Error('network down');
    });
    renderWith(<ActionFormModal title="Send SMS" fields={fields} open onCancel={() => undefined} run={run} />);
    expect(screen.queryByLabelText('Request Key')).toBeNull();
    fireEvent.change(await screen.findByLabelText('Note'), { target: { value: 'hi' } });
    fireEvent.click(screen.getByTestId('action-submit'));
    await waitFor(() => expect(run).toHaveBeenCalledTimes(1));
    fireEvent.click(screen.getByTestId('action-submit'));
    await waitFor(() => expect(run).toHaveBeenCalledTimes(2));
    const [first, second] = run.mock.calls.map((c) => (c as unknown as [Record<string, string>])[0]);
    expect(first.note).toBe('hi');
    expect(first.request_key).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.request_key).toBe(first.request_key);
  });
});
