import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { field } from '../test/fixtures';
import { renderFieldInput } from '../test/fieldInput';
import { isNumberText, refusesKey } from './numberGuard';

function renderNumber(type: 'integer' | 'currency') {
  renderFieldInput(field('n', type));
  return screen.getAllByRole('spinbutton')[0] as HTMLInputElement;
}

describe('number inputs never drop typed text silently', () => {
  it('refuse a letter visibly instead of swallowing it', () => {
    const input = renderNumber('integer');
    expect(screen.queryByRole('alert')).toBeNull();
    // fireEvent returns false when the handler prevented the default (the letter is not typed)
    expect(fireEvent.keyDown(input, { key: 'a' })).toBe(false);
    expect(screen.getByRole('alert').textContent).toBe('“a” is not a number: type digits only.');
    // digits and editing keys go through, and clear the message on the next valid input
    expect(fireEvent.keyDown(input, { key: '7' })).toBe(true);
    expect(fireEvent.keyDown(input, { key: 'Backspace' })).toBe(true);
    fireEvent.change(input, { target: { value: '7' } });
    expect(screen.queryByRole('alert')).toBeNull();
  });
  it('refuse pasted text that is not a number, and flag text an input method put in', () => {
    const input = renderNumber('currency');
    const pasted = fireEvent.paste(input, { clipboardData: { getData: () => 'twelve' } });
    expect(pasted).toBe(false);
    expect(screen.getByRole('alert').textContent).toContain('“twelve”');
    fireEvent.change(input, { target: { value: '一百' } });
    expect(screen.getByRole('alert').textContent).toContain('“一百”');
    fireEvent.change(input, { target: { value: '100' } });
    expect(screen.queryByRole('alert')).toBeNull();
  });
  it('knows number text and number keys', () => {
    for (const ok of ['', '-', '12', '1,234.5', '-0.5', '.5', '1e3', '1.']) expect(isNumberText(ok), ok).toBe(true);
    for (const bad of ['abc', '12abc', '一百', '1-2']) expect(isNumberText(bad), bad).toBe(false);
    expect(refusesKey({ key: 'x', ctrlKey: false, metaKey: false, altKey: false })).toBe(true);
    expect(refusesKey({ key: 'v', ctrlKey: true, metaKey: false, altKey: false })).toBe(false);
    expect(refusesKey({ key: 'Enter', ctrlKey: false, metaKey: false, altKey: false })).toBe(false);
  });
});
