import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Button, Form, Input } from 'antd';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { renderWith } from '../../test/render';
import { useModalSubmit } from './modalSubmit';

const WAIT = { timeout: 10000 };

function Editor({ save }: { save: (values: { condition: string }) => Promise<unknown> }) {
  const [form] = Form.useForm<{ condition: string }>();
  const { submit, errors } = useModalSubmit(form, true, save, (errs) => ({
    fields: errs.filter((e) => e.field === 'rules.0.condition').map((e) => ({ name: 'condition', errors: [e.message] })),
    general: errs.filter((e) => e.field !== 'rules.0.condition').map((e) => e.message),
  }));
  return (
    <>
      {errors('test-errors')}
      <Form form={form} initialValues={{ condition: 'a > 0' }}>
        <Form.Item name="condition" rules={[{ required: true, message: 'Required' }]}>
          <Input data-testid="condition" />
        </Form.Item>
      </Form>
      <Button data-testid="save" onClick={() => void submit()} />
    </>
  );
}

const invalid = (...errors: { field: string; message: string }[]) => new ApiError(422, { status: 422, errors } as never);
const item = () => screen.getByTestId('condition').closest('.ant-form-item') as HTMLElement;

describe('useModalSubmit', { timeout: 60000 }, () => {
  it('puts field errors on their inputs and the rest above the form', async () => {
    const save = vi.fn().mockRejectedValue(invalid({ field: 'rules.0.condition', message: 'Unknown field: x' }, { field: 'rules', message: 'Too many rules' }));
    renderWith(<Editor save={save} />);
    fireEvent.click(screen.getByTestId('save'));
    expect((await screen.findByTestId('test-errors', {}, WAIT)).textContent).toBe('Too many rules');
    await waitFor(() => expect(item().textContent).toContain('Unknown field: x'), WAIT);
    expect(save).toHaveBeenCalledWith({ condition: 'a > 0' });
  });

  it('says to see the highlighted fields when every error has an input', async () => {
    renderWith(<Editor save={() => Promise.reject(invalid({ field: 'rules.0.condition', message: 'Unknown field: x' }))} />);
    fireEvent.click(screen.getByTestId('save'));
    expect((await screen.findByTestId('test-errors', {}, WAIT)).textContent).toBe('The server did not accept this. See the highlighted fields.');
    await waitFor(() => expect(item().textContent).toContain('Unknown field: x'), WAIT);
  });

  it('shows any other error as a message, and does not save an invalid form', async () => {
    const save = vi.fn().mockRejectedValue(new Error('Network down'));
    renderWith(<Editor save={save} />);
    fireEvent.click(screen.getByTestId('save'));
    expect((await screen.findByTestId('test-errors', {}, WAIT)).textContent).toBe('Network down');

    fireEvent.change(screen.getByTestId('condition'), { target: { value: '' } });
    fireEvent.click(screen.getByTestId('save'));
    await waitFor(() => expect(item().textContent).toContain('Required'), WAIT);
    expect(save).toHaveBeenCalledTimes(1);
  });
});
