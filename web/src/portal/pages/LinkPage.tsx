/**
 * /portal/:tenant/link/:token — where the emailed sign-in link lands: redeems it and opens the
 * case list, or says plainly why the link no longer works and offers a new one.
 */
import { Button, Result, Spin } from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { AuthFrame } from '../frame';
import { usePortal } from '../session';
import type { PortalSession } from '../types';
import { portalErrorText } from '../text';

/**
 * A link is single use: redeem each token once per page load, even when React runs the effect
 * twice (StrictMode) or the page remounts — a second POST would answer `link_used`.
 */
const redeemed = new Map<string, Promise<PortalSession>>();

/** Why a link (or an invitation: same codes) no longer works, or null for other failures. */
export function linkProblem(e: unknown): 'expired' | 'used' | 'invalid' | null {
  if (!(e instanceof ApiError)) return null;
  if (e.code === 'link_expired') return 'expired';
  if (e.code === 'link_used') return 'used';
  if (e.code === 'link_invalid' || e.status === 404) return 'invalid';
  return null;
}

export default function LinkPage() {
  const { token = '' } = useParams();
  const { t } = useI18n();
  const { api, tenant, signedIn } = usePortal();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    const key = `${tenant}\n${token}`;
    let pending = redeemed.get(key);
    if (!pending) {
      pending = api.redeemLink(token);
      redeemed.set(key, pending);
    }
    pending.then(
      (session) => {
        if (!live) return;
        signedIn(session);
        navigate(`/portal/${encodeURIComponent(tenant)}/cases`, { replace: true });
      },
      (e: unknown) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [api, tenant, token, signedIn, navigate]);

  if (!error)
    return (
      <AuthFrame>
        <div style={{ textAlign: 'center', padding: 24 }} role="status">
          <Spin />
          <div className="ky-mt">{t('portal.link.redeeming')}</div>
        </div>
      </AuthFrame>
    );
  const kind = linkProblem(error);
  return (
    <AuthFrame>
      <div data-testid="portal-link-failed">
        <Result
          status="warning"
          title={kind ? t(`portal.link.${kind}`) : portalErrorText(error, t)}
          subTitle={kind ? t('portal.link.detail') : undefined}
          extra={
            <Button type="primary" onClick={() => navigate(`/portal/${encodeURIComponent(tenant)}?tab=link`, { replace: true })} data-testid="portal-link-again">
              {t('portal.link.newLink')}
            </Button>
          }
        />
      </div>
    </AuthFrame>
  );
}
