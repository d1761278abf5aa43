import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { App as AntApp } from 'antd';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Lang } from '../../api/types';
import { I18nProvider } from '../../i18n';
import { SessionProvider } from '../../state/session';
import { stubApi, type Sent } from '../../test/fetch';
import { PersonalDataActions } from './PersonalDataActions';

afterEach(() => vi.unstubAllGlobals());

const me = (isAdmin: boolean) => ({
  user: { id: 'u1', name: '管理员', email: 'admin@pipl.imp.example', is_admin: isAdmin },
  tenant: { name: 'acme', currency: 'CNY' },
});

function mount(object: string, isAdmin: boolean, onErased = () => {}, lang: Lang = 'en') {
  const sent = stubApi((s: Sent) => {
    if (s.url === '/api/v1/me') return me(isAdmin);
    if (s.url === '/api/v1/privacy/contact/c1/erase') return { erased_fields: ['name', 'email'], already_erased: false };
    return {};
  });
  render(
    <I18nProvider initial={lang}>
      <AntApp>
        <SessionProvider>
          <PersonalDataActions object={object} id="c1" name="韩梅梅" onErased={onErased} />
        </SessionProvider>
      </AntApp>
    </I18nProvider>,
  );
  return sent;
}

describe('PersonalDataActions', () => {
  it('exports, and erases only once the name is typed and a reason given', async () => {
    const onErased = vi.fn();
    const sent = mount('contact', true, onErased);
    fireEvent.click(await screen.findByTestId('privacy-menu'));
    const link = await screen.findByTestId('privacy-export');
    expect(link.getAttribute('href')).toBe('/api/v1/privacy/contact/c1/export');
    expect(link.textContent).toBe('Export personal data');
    fireEvent.click(screen.getByTestId('privacy-erase'));
    const ok = await screen.findByTestId('privacy-erase-ok');
    expect((ok as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId('privacy-erase-name'), { target: { value: '韩梅' } });
    fireEvent.change(screen.getByTestId('privacy-erase-reason'), { target: { value: '本人申请' } });
    expect((ok as HTMLButtonElement).disabled).toBe(true); // the name is not typed in full
    fireEvent.change(screen.getByTestId('privacy-erase-name'), { target: { value: '韩梅梅' } });
    expect((ok as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(ok);
    await waitFor(() => expect(onErased).toHaveBeenCalled());
    const erase = sent.find((s) => s.url === '/api/v1/privacy/contact/c1/erase')!;
    expect(erase.method).toBe('POST');
    expect(erase.body).toEqual({ reason: '本人申请' });
  });

  it('speaks Chinese', async () => {
    mount('lead', true, () => {}, 'zh-CN');
    fireEvent.click(await screen.findByTestId('privacy-menu'));
    expect((await screen.findByTestId('privacy-erase')).textContent).toBe('删除个人信息');
    expect(screen.getByTestId('privacy-export').textContent).toBe('导出个人信息');
  });

  it('is not offered to users who are not administrators, nor on other objects', async () => {
    const sent = mount('contact', false);
    await waitFor(() => expect(sent.some((s) => s.url === '/api/v1/me')).toBe(true));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId('privacy-menu')).toBeNull();
    vi.unstubAllGlobals();
    mount('account', true);
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId('privacy-menu')).toBeNull();
  });
});
