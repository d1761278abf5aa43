/** The signed-in portal's frame: company name, Cases / Help, the visitor's name, language, sign out. */
import { LogoutOutlined } from '@ant-design/icons';
import { Button, Segmented } from 'antd';
import type { ReactNode } from 'react';
import { Link, NavLink, useNavigate } from 'react-router-dom';
import type { Lang } from '../api/types';
import { useI18n } from '../i18n';
import { usePortal } from './session';

/** 中文 / English, kept in this browser (and, signed in, as the portal user's locale). */
export function PortalLanguageSwitch() {
  const { lang, t } = useI18n();
  const { changeLanguage } = usePortal();
  return (
    <Segmented<Lang>
      size="small"
      aria-label={t('portal.language')}
      value={lang}
      onChange={(v) => changeLanguage(v)}
      options={[
        { value: 'zh-CN', label: '中文' },
        { value: 'en', label: 'English' },
      ]}
      data-testid="portal-lang"
    />
  );
}

export function PortalLayout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { tenant, me, companyName, signOut } = usePortal();
  const navigate = useNavigate();
  const base = `/portal/${encodeURIComponent(tenant)}`;
  const out = async () => {
    await signOut();
    navigate(base, { replace: true });
  };
  return (
    <div className="kp-page">
      <header className="kp-header">
        <div className="kp-header-row">
          <span className="kp-company" data-testid="portal-company">
            {companyName}
          </span>
          <nav className="kp-nav" aria-label={t('portal.title')}>
            <NavLink to={`${base}/cases`} className={({ isActive }) => (isActive ? 'is-active' : undefined)}>
              {t('portal.nav.cases')}
            </NavLink>
            <NavLink to={`${base}/help`} className={({ isActive }) => (isActive ? 'is-active' : undefined)}>
              {t('portal.nav.help')}
            </NavLink>
          </nav>
          <div className="kp-user">
            <PortalLanguageSwitch />
            <Link to={`${base}/account`} className="kp-user-name" title={t('portal.account.title')} data-testid="portal-user">
              {me?.name}
            </Link>
            <Button type="text" size="small" icon={<LogoutOutlined />} onClick={() => void out()} data-testid="portal-signout" aria-label={t('portal.signOut')}>
              <span className="kp-hide-narrow">{t('portal.signOut')}</span>
            </Button>
          </div>
        </div>
      </header>
      <main className="kp-main">{children}</main>
    </div>
  );
}
