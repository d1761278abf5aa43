import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes, useParams } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../test/fetch';
import { L2C_OBJECTS } from '../test/l2c';
import { renderWith } from '../test/render';
import LeadConvertPage from './LeadConvertPage';

afterEach(() => vi.unstubAllGlobals());

const LEAD = { id: 'L1', version: 1, name: '王伟', company: '杭州云帆科技有限公司', mobile: '13800000000', email: 'wang@yunfan.cn', status: 'qualified' };

function Landed({ object }: { object: string }) {
  const { id } = useParams();
  return <div data-testid="landed">{`${object}:${id}`}</div>;
}

function render() {
  return renderWith(
    <Routes>
      <Route path="/o/lead/:id/convert" element={<LeadConvertPage />} />
      <Route path="/o/opportunity/:id" element={<Landed object="opportunity" />} />
      <Route path="/o/account/:id" element={<Landed object="account" />} />
    </Routes>,
    { objects: L2C_OBJECTS, path: '/o/lead/L1/convert' },
  );
}

describe('LeadConvertPage', () => {
  it('shows the matching account with its reasons, converts into it with a new contact and an opportunity, then opens the opportunity', async () => {
    const sent = stubApi((s: Sent) => {
      if (s.url === '/api/v1/records/lead/L1') return LEAD;
      if (s.url.endsWith('/conversion_matches')) return { accounts: [{ id: 'A1', name: '云帆科技', reasons: ['company_name', 'credit_code'] }], contacts: [] };
      if (s.url.endsWith('/convert')) return { account_id: 'A1', contact_id: 'C5', opportunity_id: 'O7' };
      return {};
    });
    render();
    const candidate = await screen.findByTestId('convert-candidate-A1');
    expect(candidate.textContent).toContain('云帆科技');
    expect(candidate.textContent).toContain('Company name');
    expect(candidate.textContent).toContain('Credit code');
    // The contact is new, prefilled from the lead.
    expect((screen.getByTestId('convert-contact-name') as HTMLInputElement).value).toBe('王伟');
    fireEvent.change(screen.getByTestId('convert-opportunity-name'), { target: { value: '云帆 CRM 项目' } });
    fireEvent.change(screen.getByTestId('convert-opportunity-amount'), { target: { value: '120000.10' } });
    fireEvent.click(screen.getByTestId('convert-submit'));
    expect((await screen.findByTestId('landed')).textContent).toBe('opportunity:O7');
    expect(sent.find((s) => s.url.endsWith('/convert'))?.body).toEqual({
      account_id: 'A1',
      create_contact: { name: '王伟', email: 'wang@yunfan.cn' },
      // A close date is required: a month ahead unless the rep picks one.
      opportunity: { name: '云帆 CRM 项目', amount: '120000.10', close_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) },
    });
  });

  it('on 409 duplicates_found shows the candidates and lets the rep create new records anyway', async () => {
    let converts = 0;
    const sent = stubApi(
      (s: Sent) => {
        if (s.url === '/api/v1/records/lead/L1') return LEAD;
        if (s.url.endsWith('/conversion_matches')) return { accounts: [], contacts: [] };
        if (s.url.endsWith('/convert')) {
          converts += 1;
          return converts === 1
            ? { status: 409, title: 'Duplicates', code: 'duplicates_found', candidates: { accounts: [{ id: 'A9', name: '云帆', reasons: ['company_name'] }], contacts: [] } }
            : { account_id: 'A10', contact_id: 'C10', opportunity_id: null };
        }
        return {};
      },
      (s: Sent) => (s.url.endsWith('/convert') && converts === 1 ? 409 : 200),
    );
    render();
    expect(await screen.findByText('No existing account or contact matches this lead.')).toBeTruthy();
    expect((screen.getByTestId('convert-account-name') as HTMLInputElement).value).toBe('杭州云帆科技有限公司');
    fireEvent.click(screen.getByTestId('convert-opportunity-toggle'));
    fireEvent.click(screen.getByTestId('convert-submit'));
    expect(await screen.findByTestId('convert-duplicates')).toBeTruthy();
    expect(screen.getByTestId('convert-candidate-A9')).toBeTruthy();

    fireEvent.click(screen.getByTestId('convert-confirm'));
    expect((await screen.findByTestId('landed')).textContent).toBe('account:A10');
    const bodies = sent.filter((s) => s.url.endsWith('/convert')).map((s) => s.body);
    expect(bodies[0]).toEqual({ create_account: { name: '杭州云帆科技有限公司' }, create_contact: { name: '王伟', email: 'wang@yunfan.cn' } });
    await waitFor(() => expect(bodies[1]).toMatchObject({ confirm: true, create_account: { name: '杭州云帆科技有限公司' } }));
  });
});
