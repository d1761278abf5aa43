import { CheckOutlined, CopyOutlined } from '@ant-design/icons';
import { Alert, Button, Input } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../../i18n';
import { formatDateTime } from '../../../lib/format';
import type { IssuedInvitation } from '../../../lib/users';
import { useFormatSettings } from '../../../state/session';
import './users.css';

/** Copy text to the clipboard; falls back to selecting a hidden textarea where the API is missing. */
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall back below (plain-http origins have no async clipboard) */
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok: boolean;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/**
 * What an administrator needs right after inviting: whether the email went out, and the
 * one-time link to pass on themselves (always shown: mail may be off or land in spam).
 */
export function InvitationLink({ issued, email }: { issued: IssuedInvitation; email: string }) {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const [copied, setCopied] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const copy = async () => {
    if (await copyText(issued.accept_url)) {
      setCopied(true);
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => setCopied(false), 2000);
    }
  };

  return (
    <div data-testid="invitation-result">
      <Alert
        type={issued.email_sent ? 'success' : 'warning'}
        showIcon
        className="ky-mb"
        data-testid={issued.email_sent ? 'invite-email-sent' : 'invite-email-not-sent'}
        message={issued.email_sent ? t('setup.users.emailSent', { email }) : t('setup.users.emailNotSent', { email })}
      />
      <div style={{ fontWeight: 600, marginBottom: 6 }}>{t('setup.users.link')}</div>
      <div className="ky-users-link">
        <Input readOnly value={issued.accept_url} onFocus={(e) => e.target.select()} data-testid="invite-link" aria-label={t('setup.users.link')} />
        <Button icon={copied ? <CheckOutlined /> : <CopyOutlined />} onClick={() => void copy()} data-testid="invite-copy">
          {copied ? t('setup.users.copied') : t('setup.users.copy')}
        </Button>
      </div>
      <div className="ky-users-sub" style={{ marginTop: 6 }}>
        {t('setup.users.linkHelp', { at: formatDateTime(issued.expires_at, fmt) })}
      </div>
    </div>
  );
}
