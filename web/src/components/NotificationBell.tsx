import { BellOutlined } from '@ant-design/icons';
import { Badge, Button } from 'antd';
import { lazy, Suspense, useState } from 'react';
import { api } from '../api/endpoints';
import { useI18n } from '../i18n';
import { POLL_MS, usePolledCount } from '../lib/usePolledCount';

const NotificationPanel = lazy(() => import('./NotificationPanel'));

/** The unread count, polled (see usePolledCount). */
export function useUnreadCount(pollMs: number = POLL_MS) {
  return usePolledCount(unreadCount, pollMs);
}
const unreadCount = () => api.unreadNotifications().then((r) => r.unread);

/**
 * The bell in the app header: the unread count as a badge; the first click loads the list
 * (NotificationPanel), which then owns opening and closing.
 */
export function NotificationBell({ mobile = false, pollMs }: { mobile?: boolean; pollMs?: number }) {
  const { t } = useI18n();
  const { count, setCount } = useUnreadCount(pollMs);
  const [open, setOpen] = useState(false);
  const [wanted, setWanted] = useState(false);

  const bell = (onClick?: () => void) => (
    <Button
      type="text"
      className="ky-bell"
      aria-label={t('notifications.open', { count })}
      data-testid="notification-bell"
      onClick={onClick}
      icon={
        <Badge count={count} size="small" overflowCount={99} data-testid="notification-count">
          <BellOutlined />
        </Badge>
      }
    />
  );

  if (!wanted) {
    return bell(() => {
      setWanted(true);
      setOpen(true);
    });
  }
  return (
    <Suspense fallback={bell()}>
      <NotificationPanel mobile={mobile} open={open} setOpen={setOpen} count={count} setCount={setCount} bell={bell} />
    </Suspense>
  );
}
