import { CheckCircleFilled } from '@ant-design/icons';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n';
import { LanguageSwitch } from './LanguageSwitch';

/**
 * The frame of every page shown before sign-in (login, accepting an invitation): brand and
 * selling points on the left, the language switch and a card on the right.
 * One component so the signed-out pages cannot drift apart.
 */
export function AuthLayout({
  title,
  points,
  cardTestId,
  children,
}: {
  /** The hero's heading and selling points; the sign-in page's unless a page has its own. */
  title?: string;
  points?: string[];
  cardTestId?: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const heading = title ?? t('login.hero.title');
  const selling = points ?? [t('login.hero.point1'), t('login.hero.point2'), t('login.hero.point3')];
  return (
    <div className="ky-login">
      <div className="ky-login-hero">
        <div className="ky-login-hero-inner">
          <div className="ky-login-brand">
            <img src="/favicon.svg" alt="" width={40} height={40} />
            <span>{t('app.name')}</span>
          </div>
          <h1>{heading}</h1>
          <ul>
            {selling.map((point) => (
              <li key={point}>
                <CheckCircleFilled /> {point}
              </li>
            ))}
          </ul>
        </div>
      </div>
      <div className="ky-login-panel">
        <div className="ky-login-top">
          <div className="ky-login-brand ky-login-brand-mobile">
            <img src="/favicon.svg" alt="" width={32} height={32} />
            <span>{t('app.name')}</span>
          </div>
          <LanguageSwitch />
        </div>
        <div className="ky-login-card" data-testid={cardTestId}>
          {children}
        </div>
        <div className="ky-login-foot">{t('app.tagline')}</div>
      </div>
    </div>
  );
}
