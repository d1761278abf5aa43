/** The portal's page frames: a loading spinner, and the card the signed-out pages sit in. */
import { Card, Spin, Typography } from 'antd';
import type { ReactNode } from 'react';
import { PortalLanguageSwitch } from './PortalLayout';
import { usePortal } from './session';

export function PortalSpinner() {
  return (
    <div className="ky-fullpage">
      <Spin size="large" />
    </div>
  );
}

/** Sign-in, link and invitation pages: the company's name, the language switch, a card. */
export function AuthFrame({ children }: { children: ReactNode }) {
  const { companyName } = usePortal();
  return (
    <div className="kp-page">
      <div className="kp-auth">
        <div className="kp-auth-top">
          <Typography.Text strong data-testid="portal-company">
            {companyName}
          </Typography.Text>
          <PortalLanguageSwitch />
        </div>
        <Card styles={{ body: { padding: 20 } }}>{children}</Card>
      </div>
    </div>
  );
}
