import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import type { RobotChannel } from './api';
import RobotsPage from './RobotsPage';

afterEach(() => vi.unstubAllGlobals());

const DING = '0190a0b0-0000-7000-8000-0000000000a1';
const WECOM = '0190a0b0-0000-7000-8000-0000000000a2';

const ding: RobotChannel = {
  id: DING,
  name: '华东销售群',
  vendor: 'dingtalk',
  url_hint: 'oapi.dingtalk.com/…a1b2',
  has_secret: true,
  markdown: true,
  active: true,
  created_by: null,
  created_at: '2026-05-01T00:00:00Z',
  updated_by: null,
  updated_at: '2026-05-01T00:00:00Z',
  last_status: 'failed',
  last_error: 'dingtalk error 310000: sign not match',
  last_at: '2026-05-02T01:00:00Z',
};
const wecom: RobotChannel = { ...ding, id: WECOM, name: '企微通知群', vendor: 'wecom', url_hint: 'qyapi.weixin.qq.com/…9f3e', has_secret: false, last_status: null, last_error: null, last_at: null };

/** The <input> inside the form item of the element with `testId` (antd wraps passwords). */
function input(testId: string): HTMLInputElement {
  const el = screen.getByTestId(testId);
  return (el.tagName === 'INPUT' ? el : el.querySelector('input')) as HTMLInputElement;
}

function itemError(testId: string): string {
  return screen.getByTestId(testId).closest('.ant-form-item')?.querySelector('.ant-form-item-explain')?.textContent ?? '';
}

describe('RobotsPage', () => {
  it('lists channels by name and vendor with the masked address, signing and last result', async () => {
    const sent = stubApi(() => ({ channels: [ding, wecom] }));
    renderWith(<RobotsPage />);
    const row = await screen.findByTestId(`robot-row-${DING}`);
    expect(sent[0].url).toBe('/api/v1/robot-channels');
    expect(row.textContent).toContain('华东销售群');
    expect(row.textContent).toContain('DingTalk');
    expect(screen.getByTestId(`robot-hint-${DING}`).textContent).toBe('oapi.dingtalk.com/…a1b2');
    expect(row.textContent).toContain('Signed');
    expect(screen.getByTestId(`robot-result-${DING}`).textContent).toBe('Failed');
    const other = screen.getByTestId(`robot-row-${WECOM}`);
    expect(other.textContent).toContain('WeCom');
    expect(other.textContent).toContain('Not signed');
    expect(screen.getByTestId(`robot-result-${WECOM}`).textContent).toBe('Nothing sent yet');
  });

  it('sends a test message and shows the robot’s answer with what to check', async () => {
    const after = { ...ding, last_status: 'failed' as const, last_at: '2026-05-03T00:00:00Z' };
    const sent = stubApi((s: Sent) =>
      s.method === 'POST' ? { ok: false, error: 'dingtalk error 310000: keywords not in content', status_code: 200, retryable: false, channel: after } : { channels: [ding] },
    );
    renderWith(<RobotsPage />);
    fireEvent.click(await screen.findByTestId(`robot-test-${DING}`));
    const outcome = await screen.findByTestId('robot-test-outcome');
    expect(sent[1]).toMatchObject({ method: 'POST', url: `/api/v1/robot-channels/${DING}/test` });
    expect(outcome.textContent).toContain('The robot did not accept the test message.');
    expect(screen.getByTestId('robot-test-error').textContent).toBe('dingtalk error 310000: keywords not in content');
    expect(screen.getByTestId('robot-test-hint').textContent).toContain('custom keywords');
    expect(screen.getByText('Test message to “华东销售群”')).toBeTruthy();
  });

  it('shows a test that went through', async () => {
    stubApi((s: Sent) => (s.method === 'POST' ? { ok: true, error: null, status_code: 200, retryable: false, channel: { ...wecom, last_status: 'ok' } } : { channels: [wecom] }));
    renderWith(<RobotsPage />, { lang: 'zh-CN' });
    fireEvent.click(await screen.findByTestId(`robot-test-${WECOM}`));
    expect((await screen.findByTestId('robot-test-outcome')).textContent).toContain('机器人已接收测试消息');
    await waitFor(() => expect(screen.getByTestId(`robot-result-${WECOM}`).textContent).toBe('已送达'));
  });

  it('adds a channel: vendor help, the secret only for signing vendors, server errors on their inputs', async () => {
    let posts = 0;
    const created = { ...ding, id: 'new', name: '飞书群', vendor: 'feishu' as const, last_status: null, last_error: null, last_at: null };
    const sent = stubApi(
      (s: Sent) => {
        if (s.method !== 'POST') return { channels: [] };
        posts += 1;
        return posts === 1
          ? { status: 422, code: 'validation_failed', errors: [{ field: 'url', code: 'url_private_address', message: "'10.0.0.8' points to a private network address" }] }
          : created;
      },
      (s) => (s.method === 'POST' && posts === 1 ? 422 : s.method === 'POST' ? 201 : 200),
    );
    renderWith(<RobotsPage />);
    fireEvent.click(await screen.findByTestId('robot-new'));
    // WeCom first: no secret input, its own help.
    expect((await screen.findByTestId('robot-vendor-help')).textContent).toContain('群机器人');
    expect(screen.queryByTestId('robot-secret')).toBeNull();
    fireEvent.click(within(screen.getByTestId('robot-vendor')).getByText('Feishu / Lark'));
    await waitFor(() => expect(screen.getByTestId('robot-vendor-help').textContent).toContain('签名校验'));
    fireEvent.change(input('robot-name'), { target: { value: ' 飞书群 ' } });
    fireEvent.change(input('robot-url'), { target: { value: 'http://10.0.0.8/open-apis/bot/v2/hook/abc' } });
    fireEvent.change(input('robot-secret'), { target: { value: 'sekret' } });
    fireEvent.click(screen.getByTestId('robot-save'));
    await waitFor(() => expect(itemError('robot-url')).toContain('private network'));
    const first = sent.find((s) => s.method === 'POST')!;
    expect(first.body).toEqual({ name: '飞书群', vendor: 'feishu', url: 'http://10.0.0.8/open-apis/bot/v2/hook/abc', secret: 'sekret', markdown: true, active: true });

    fireEvent.change(input('robot-url'), { target: { value: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc' } });
    fireEvent.click(screen.getByTestId('robot-save'));
    expect(await screen.findByTestId('robot-row-new')).toBeTruthy();
    expect(sent.filter((s) => s.method === 'POST')[1].body.url).toBe('https://open.feishu.cn/open-apis/bot/v2/hook/abc');
  });

  it('edits without resending the address or secret, removes the secret when asked, and switches off', async () => {
    const sent = stubApi((s: Sent) => (s.method === 'PATCH' ? { ...ding, ...s.body, has_secret: s.body.secret !== null } : { channels: [ding] }));
    renderWith(<RobotsPage />);
    fireEvent.click(await screen.findByTestId(`robot-edit-${DING}`));
    const url = await screen.findByTestId('robot-url');
    expect(url.closest('.ant-form-item')?.textContent).toContain('Leave empty to keep the saved address (oapi.dingtalk.com/…a1b2).');
    expect(input('robot-url').value).toBe('');
    fireEvent.change(input('robot-name'), { target: { value: '华东群' } });
    fireEvent.click(screen.getByTestId('robot-clear-secret'));
    fireEvent.click(screen.getByTestId('robot-save'));
    await waitFor(() => expect(sent.some((s) => s.method === 'PATCH')).toBe(true));
    expect(sent.find((s) => s.method === 'PATCH')).toMatchObject({ url: `/api/v1/robot-channels/${DING}`, body: { name: '华东群', vendor: 'dingtalk', markdown: true, active: true, secret: null } });
    expect(sent.find((s) => s.method === 'PATCH')!.body).not.toHaveProperty('url');

    fireEvent.click(screen.getByTestId(`robot-active-${DING}`));
    await waitFor(() => expect(sent.filter((s) => s.method === 'PATCH')).toHaveLength(2));
    expect(sent.filter((s) => s.method === 'PATCH')[1].body).toEqual({ active: false });
    await waitFor(() => expect(screen.getByTestId(`robot-active-${DING}`).getAttribute('aria-checked')).toBe('false'));
  });

  it('deletes after confirming, and shows why a channel in use cannot be', async () => {
    let deletes = 0;
    stubApi(
      (s: Sent) => {
        if (s.method !== 'DELETE') return { channels: [ding, wecom] };
        deletes += 1;
        return deletes === 1 ? { status: 409, title: 'Conflict', code: 'robot_channel_in_use', detail: 'Flows post to this robot channel (won_robot).' } : {};
      },
      (s) => (s.method === 'DELETE' ? (deletes === 1 ? 409 : 204) : 200),
    );
    renderWith(<RobotsPage />);
    fireEvent.click(await screen.findByTestId(`robot-delete-${DING}`));
    fireEvent.click(await screen.findByTestId('confirm-delete-robot'));
    expect(await screen.findByText('Flows post to this robot channel (won_robot).')).toBeTruthy();
    expect(screen.getByTestId(`robot-row-${DING}`)).toBeTruthy();
  });

  it('tells someone who is not an administrator that the page is not for them', async () => {
    stubApi(
      () => ({ status: 403, title: 'Forbidden' }),
      () => 403,
    );
    renderWith(<RobotsPage />);
    expect(await screen.findByText('You do not have access to this.')).toBeTruthy();
    expect(screen.queryByTestId('robots-table')).toBeNull();
  });
});
