import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SetupObject } from '../../pages/setup/api';
import { account } from '../../test/fixtures';
import { renderWith } from '../../test/render';
import ValidationRules from './ValidationRules';

const WAIT = { timeout: 10000 };
const json = (status: number, body: object, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });

const object: SetupObject = {
  ...account,
  validation_rules: [{ name: 'revenue_not_negative', condition: 'annual_revenue < 0', field: 'annual_revenue', message: { en: 'Annual revenue cannot be negative.' }, active: true }],
};

afterEach(() => vi.unstubAllGlobals());

describe('ValidationRules', { timeout: 60000 }, () => {
  it('adds a rule to the list and shows the server’s error next to the condition', async () => {
    const bodies: unknown[] = [];
    let attempt = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        if (url === '/api/v1/metadata/objects/account' && init.method === 'PATCH') {
          bodies.push(JSON.parse(String(init.body)));
          attempt += 1;
          if (attempt === 1)
            return json(
              422,
              { status: 422, code: 'invalid_request', errors: [{ field: 'validation_rules.1.condition', code: 'invalid_expression', message: 'Unknown field: employes' }] },
              'application/problem+json',
            );
          return json(200, object);
        }
        if (url === '/api/v1/metadata/objects') return json(200, { objects: [object] });
        throw new Error('unexpected ' + url);
      }),
    );
    renderWith(<ValidationRules object={object} />, { objects: [object] });
    expect(screen.getByText('Annual revenue cannot be negative.')).toBeTruthy();

    fireEvent.click(screen.getByTestId('rule-new'));
    fireEvent.change(await screen.findByTestId('rule-message-en', {}, WAIT), { target: { value: 'Employees must be positive' } });
    expect((screen.getByTestId('rule-name') as HTMLInputElement).value).toBe('employees_must_be_positive');
    fireEvent.change(screen.getByTestId('rule-condition'), { target: { value: 'employes <= 0' } });
    fireEvent.click(screen.getByTestId('rule-save'));

    await screen.findByText('Unknown field: employes', {}, WAIT);
    const item = screen.getByTestId('rule-condition').closest('.ant-form-item') as HTMLElement;
    expect(item.textContent).toContain('Unknown field: employes');
    // The whole list went to the server, the existing rule first and untouched.
    expect(bodies[0]).toEqual({
      validation_rules: [
        object.validation_rules![0],
        { name: 'employees_must_be_positive', condition: 'employes <= 0', message: { en: 'Employees must be positive' }, field: null, active: true },
      ],
    });

    fireEvent.change(screen.getByTestId('rule-condition'), { target: { value: 'employees <= 0' } });
    fireEvent.click(screen.getByTestId('rule-save'));
    await waitFor(() => expect(attempt).toBe(2), WAIT);
    expect((bodies[1] as { validation_rules: { condition: string }[] }).validation_rules[1].condition).toBe('employees <= 0');
  });
});
