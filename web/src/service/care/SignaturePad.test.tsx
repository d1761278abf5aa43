import { fireEvent, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderWith } from '../../test/render';
import { SignaturePad } from './SignaturePad';

/** jsdom has no 2D canvas: record what the pad draws and what it exports. */
function fakeCanvas() {
  const drawn: string[] = [];
  const ctx = {
    beginPath: () => drawn.push('begin'),
    moveTo: (x: number, y: number) => drawn.push(`move ${Math.round(x)},${Math.round(y)}`),
    lineTo: (x: number, y: number) => drawn.push(`line ${Math.round(x)},${Math.round(y)}`),
    stroke: () => drawn.push('stroke'),
    clearRect: () => drawn.push('clear'),
  };
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => ctx as unknown as CanvasRenderingContext2D);
  vi.spyOn(HTMLCanvasElement.prototype, 'toDataURL').mockImplementation(() => 'data:image/png;base64,SIGNED');
  vi.spyOn(HTMLCanvasElement.prototype, 'getBoundingClientRect').mockImplementation(
    () => ({ left: 10, top: 20, width: 300, height: 180, right: 310, bottom: 200, x: 10, y: 20, toJSON: () => ({}) }) as DOMRect,
  );
  return drawn;
}

let drawn: string[];
beforeEach(() => {
  drawn = fakeCanvas();
});
afterEach(() => vi.restoreAllMocks());

describe('SignaturePad', () => {
  it('says the customer has not signed when confirmed empty, and sends nothing', () => {
    const onConfirm = vi.fn();
    renderWith(<SignaturePad onConfirm={onConfirm} />);
    fireEvent.click(screen.getByTestId('signature-confirm'));
    expect(screen.getByText('The customer has not signed yet')).toBeTruthy();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('draws pointer strokes in canvas pixels and confirms a PNG data URL', () => {
    const onConfirm = vi.fn();
    renderWith(<SignaturePad onConfirm={onConfirm} />);
    const pad = screen.getByTestId('signature-canvas');
    // The canvas is 600 px wide shown at 300: a move of 50 CSS px is 100 canvas px.
    fireEvent.pointerDown(pad, { clientX: 60, clientY: 110, pointerId: 1 });
    fireEvent.pointerMove(pad, { clientX: 110, clientY: 110, pointerId: 1 });
    fireEvent.pointerUp(pad, { pointerId: 1 });
    fireEvent.pointerMove(pad, { clientX: 200, clientY: 150, pointerId: 1 }); // not drawing
    expect(drawn).toContain('move 100,180');
    expect(drawn).toContain('line 200,180');
    expect(drawn.filter((d) => d === 'stroke')).toHaveLength(2);
    fireEvent.click(screen.getByTestId('signature-confirm'));
    expect(onConfirm).toHaveBeenCalledWith('data:image/png;base64,SIGNED');
    expect(HTMLCanvasElement.prototype.toDataURL).toHaveBeenCalledWith('image/png');
  });

  it('clears the drawing, after which it is empty again', () => {
    const onConfirm = vi.fn();
    renderWith(<SignaturePad onConfirm={onConfirm} />);
    const pad = screen.getByTestId('signature-canvas');
    fireEvent.pointerDown(pad, { clientX: 60, clientY: 110, pointerId: 1 });
    fireEvent.pointerUp(pad, { pointerId: 1 });
    fireEvent.click(screen.getByTestId('signature-clear'));
    expect(drawn).toContain('clear');
    fireEvent.click(screen.getByTestId('signature-confirm'));
    expect(onConfirm).not.toHaveBeenCalled();
    expect(screen.getByText('The customer has not signed yet')).toBeTruthy();
  });
});
