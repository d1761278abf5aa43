import { Alert, Button, Space } from 'antd';
import { useCallback, useRef, useState, type PointerEvent } from 'react';
import { useI18n } from '../../i18n';
import '../../i18n/service-care';

type Point = { x: number; y: number };

/**
 * A signature pad on a <canvas>: pointer events (finger, pen or mouse) draw strokes; Clear
 * empties it; Confirm hands the drawing over as a PNG data URL — or says the customer has not
 * signed when there is no stroke. `touch-action: none` keeps the page from scrolling while
 * signing on a phone.
 */
export function SignaturePad({ onConfirm, busy = false, height = 180 }: { onConfirm: (png: string) => void; busy?: boolean; height?: number }) {
  const { t } = useI18n();
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const drawing = useRef<Point | null>(null);
  const [strokes, setStrokes] = useState(0);
  const [empty, setEmpty] = useState(false);

  const point = (e: PointerEvent<HTMLCanvasElement>): Point => {
    const el = e.currentTarget;
    const rect = el.getBoundingClientRect();
    const sx = rect.width ? el.width / rect.width : 1;
    const sy = rect.height ? el.height / rect.height : 1;
    return { x: (e.clientX - rect.left) * sx, y: (e.clientY - rect.top) * sy };
  };

  const line = (from: Point, to: Point) => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 3;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  };

  const down = (e: PointerEvent<HTMLCanvasElement>) => {
    e.preventDefault();
    e.currentTarget.setPointerCapture?.(e.pointerId);
    const p = point(e);
    drawing.current = p;
    line(p, { x: p.x + 0.1, y: p.y + 0.1 }); // a tap leaves a dot
    setStrokes((n) => n + 1);
    setEmpty(false);
  };
  const move = (e: PointerEvent<HTMLCanvasElement>) => {
    if (!drawing.current) return;
    const p = point(e);
    line(drawing.current, p);
    drawing.current = p;
  };
  const up = () => {
    drawing.current = null;
  };

  const clear = useCallback(() => {
    const el = canvas.current;
    el?.getContext('2d')?.clearRect(0, 0, el.width, el.height);
    setStrokes(0);
  }, []);

  const confirm = () => {
    const el = canvas.current;
    if (!el || strokes === 0) {
      setEmpty(true);
      return;
    }
    onConfirm(el.toDataURL('image/png'));
  };

  return (
    <div>
      <div style={{ fontSize: 12, color: '#888', marginBottom: 4 }}>{t('care.day.signHere')}</div>
      <canvas
        ref={canvas}
        width={600}
        height={height * 2}
        aria-label={t('care.day.signHere')}
        data-testid="signature-canvas"
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={up}
        onPointerLeave={up}
        style={{ width: '100%', height, border: '1px dashed #bbb', borderRadius: 6, background: '#fff', touchAction: 'none', display: 'block' }}
      />
      {empty && <Alert style={{ marginTop: 8 }} type="error" showIcon message={t('care.day.signatureEmpty')} />}
      <Space style={{ marginTop: 8 }}>
        <Button onClick={clear} data-testid="signature-clear">
          {t('care.day.clear')}
        </Button>
        <Button type="primary" onClick={confirm} loading={busy} data-testid="signature-confirm">
          {t('care.day.confirm')}
        </Button>
      </Space>
    </div>
  );
}
