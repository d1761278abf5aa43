import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, problem, renderRoutes, SIGNED_OUT } from '../../test/session';
import SurveyPage from './SurveyPage';

const INFO = { company: 'Acme 科技', case_no: 'GD-2026-000042', subject: '打印机卡纸', language: 'zh-CN', expires_at: '2027-01-01T00:00:00' };
const URL = '/api/v1/public/surveys/tok-1';
const WAIT = { timeout: 10000 };

function stub(info: object | Response, answer: (body: Record<string, unknown>) => Response = () => json(200, { answered_at: 'x', nps_category: 'promoter' })) {
  const sent: Record<string, unknown>[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      if (url === '/api/v1/me') return SIGNED_OUT();
      if (url === URL && (!init?.method || init.method === 'GET')) return info instanceof Response ? info : json(200, info);
      if (url === URL && init?.method === 'POST') {
        const body = JSON.parse(String(init.body)) as Record<string, unknown>;
        sent.push(body);
        return answer(body);
      }
      throw new Error('unexpected ' + url);
    }),
  );
  return sent;
}

const renderAt = () => renderRoutes('/survey/tok-1', { '/survey/:token': <SurveyPage /> });

afterEach(() => vi.unstubAllGlobals());

describe('SurveyPage', { timeout: 60000 }, () => {
  it('opens in the survey language, switches to English, needs a CSAT, sends the answers and thanks', async () => {
    const sent = stub(INFO);
    renderAt();
    expect(await screen.findByText('请评价我们的服务', {}, WAIT)).toBeTruthy();
    expect(screen.getByText(/GD-2026-000042“打印机卡纸”/)).toBeTruthy();
    fireEvent.click(screen.getByText('English'));
    expect(await screen.findByText('How did we do?')).toBeTruthy();
    fireEvent.click(screen.getByTestId('survey-submit'));
    expect(await screen.findByText('Choose how satisfied you are first')).toBeTruthy();
    expect(sent).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: '4 – Satisfied' }));
    expect(screen.getByTestId('survey-csat-4').getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getByTestId('survey-nps-9'));
    fireEvent.change(screen.getByTestId('survey-comment'), { target: { value: '  fast and kind ' } });
    fireEvent.click(screen.getByTestId('survey-submit'));
    expect(await screen.findByText('Thank you!', {}, WAIT)).toBeTruthy();
    expect(sent).toEqual([{ csat: 4, nps: 9, comment: 'fast and kind' }]);
  });

  it('says a tampered link is not valid, and offers no form', async () => {
    stub(problem(404, { code: 'survey_invalid', title: 'Not found' }));
    renderAt();
    expect(await screen.findByText('This survey link is not valid', {}, WAIT)).toBeTruthy();
    expect(screen.queryByTestId('survey-form')).toBeNull();
  });

  it('says an expired link has expired', async () => {
    stub(problem(410, { code: 'survey_expired' }));
    renderAt();
    expect(await screen.findByText('This survey link has expired', {}, WAIT)).toBeTruthy();
  });

  it('shows "already answered" when a second answer loses the race', async () => {
    stub(INFO, () => problem(410, { code: 'survey_answered' }));
    renderAt();
    fireEvent.click(await screen.findByTestId('survey-csat-2', {}, WAIT));
    fireEvent.click(screen.getByTestId('survey-submit'));
    expect(await screen.findByText('该调查已提交过', {}, WAIT)).toBeTruthy();
    await waitFor(() => expect(screen.queryByTestId('survey-form')).toBeNull());
  });

  it('asks to wait when rate limited', async () => {
    stub(INFO, () => problem(429, { code: 'rate_limited' }));
    renderAt();
    fireEvent.click(await screen.findByTestId('survey-csat-5', {}, WAIT));
    fireEvent.click(screen.getByTestId('survey-submit'));
    expect(await screen.findByText('尝试次数过多，请稍等一分钟再试', {}, WAIT)).toBeTruthy();
  });
});
