import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWith } from '../../test/render';
import WorkOrderSignature from './WorkOrderSignature';

describe('WorkOrderSignature', () => {
  it("shows the customer's signature from the work order's authorised signature route", async () => {
    renderWith(<WorkOrderSignature record={{ id: 'w1', signed_at: '2026-12-07T03:00:00Z', signed_by_name: '赵敏' }} />);
    const image = (await screen.findByAltText('Signature of 赵敏')) as HTMLImageElement;
    expect(image.getAttribute('src')).toBe('/api/v1/records/work_order/w1/signature?at=2026-12-07T03%3A00%3A00Z');
    expect(screen.getByText('Customer signature')).toBeTruthy();
  });

  it('shows nothing before the sign-off, and words it in Chinese', async () => {
    const { container } = renderWith(<WorkOrderSignature record={{ id: 'w2', signed_at: null }} />);
    expect(container.querySelector('img')).toBeNull();
    renderWith(<WorkOrderSignature record={{ id: 'w1', signed_at: '2026-12-07T03:00:00Z', signed_by_name: '赵敏' }} />, { lang: 'zh-CN' });
    expect(await screen.findByText('客户签名')).toBeTruthy();
    expect(screen.getByAltText('赵敏 的签名')).toBeTruthy();
  });
});
