import { Button, Drawer, Empty, Popover, Spin, Switch } from 'antd';
import { useCallback, useEffect, useRef, useState, type Dispatch, type ReactNode, type SetStateAction } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { AppNotification, NotificationPreferences } from '../api/types';
import { useI18n } from '../i18n';
import { formatRelative } from '../lib/format';
import { useFormatSettings } from '../state/session';

const PAGE = 20;

function NotificationItem({ item, onOpen }: { item: AppNotification; onOpen: (item: AppNotification) => void }) {
  const fmt = useFormatSettings();
  const { t } = useI18n();
  const unread = item.read_at === null;
  return (
    <li>
      <button
        type="button"
        className={`ky-notif-item${unread ? ' is-unread' : ''}`}
        onClick={() => onOpen(item)}
        data-testid="notification-item"
        data-unread={unread ? 'true' : 'false'}
      >
        <span className="ky-notif-dot" aria-label={unread ? t('notifications.unread') : undefined} />
        <span className="ky-notif-text">
          <span className="ky-notif-title">{item.title}</span>
          {item.body && <span className="ky-notif-body">{item.body}</span>}
          <span className="ky-notif-time">{formatRelative(item.created_at, fmt)}</span>
        </span>
      </button>
    </li>
  );
}

/**
 * The notification list behind the bell (loaded on the first click, so the workspace's first
 * page does not carry it): the newest notifications in a popover on wide screens, a full-width
 * drawer on phones. Opening one marks it read and goes where it leads; "Mark all read" clears the
 * badge. The email switch shows only when the installation can send email.
 */
export default function NotificationPanel({
  mobile,
  open,
  setOpen,
  count,
  setCount,
  bell,
}: {
  mobile: boolean;
  open: boolean;
  setOpen: (open: boolean) => void;
  count: number;
  setCount: Dispatch<SetStateAction<number>>;
  bell: (onClick?: () => void) => ReactNode;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [items, setItems] = useState<AppNotification[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const [loading, setLoading] = useState(false);
  const [prefs, setPrefs] = useState<NotificationPreferences | null>(null);
  const prefsAsked = useRef(false);

  const load = useCallback(
    (after: string | null) => {
      setLoading(true);
      setFailed(false);
      api
        .notifications({ cursor: after, limit: PAGE })
        .then((page) => {
          setItems((prev) => (after && prev ? [...prev, ...page.notifications] : page.notifications));
          setCursor(page.next_cursor);
          setCount(page.unread);
        })
        .catch(() => setFailed(true))
        .finally(() => setLoading(false));
    },
    [setCount],
  );

  useEffect(() => {
    if (!open) return;
    // The newest each time the list opens; the preferences once.
    load(null);
    if (!prefsAsked.current) {
      prefsAsked.current = true;
      api
        .notificationPreferences()
        .then(setPrefs)
        .catch(() => {
          /* the switch stays hidden */
        });
    }
  }, [open, load]);

  const markLocal = (ids: Set<string> | 'all') => {
    const now = new Date().toISOString();
    setItems((prev) => prev && prev.map((n) => (n.read_at === null && (ids === 'all' || ids.has(n.id)) ? { ...n, read_at: now } : n)));
  };

  const openItem = (item: AppNotification) => {
    if (item.read_at === null) {
      markLocal(new Set([item.id]));
      setCount((c) => Math.max(0, c - 1));
      api
        .markNotificationsRead([item.id])
        .then((r) => setCount(r.unread))
        .catch(() => {
          /* shown read here; the next poll has the server's count */
        });
    }
    if (item.link) {
      setOpen(false);
      navigate(item.link.path);
    }
  };

  const markAll = () => {
    markLocal('all');
    setCount(0);
    api
      .markNotificationsRead('all')
      .then((r) => setCount(r.unread))
      .catch(() => {
        /* the next poll corrects the count */
      });
  };

  const toggleEmail = (email: boolean) => {
    setPrefs((p) => p && { ...p, email });
    api
      .setNotificationPreferences({ email })
      .then(setPrefs)
      .catch(() => setPrefs((p) => p && { ...p, email: !email }));
  };

  const panel = (
    <div className="ky-notif-panel" data-testid="notification-panel">
      <div className="ky-notif-head">
        <span className="ky-notif-heading">{t('notifications.title')}</span>
        <Button type="link" size="small" onClick={markAll} disabled={count === 0} data-testid="notifications-mark-all">
          {t('notifications.markAllRead')}
        </Button>
      </div>
      {items === null && loading && (
        <div className="ky-notif-state">
          <Spin size="small" />
        </div>
      )}
      {failed && <div className="ky-notif-state">{t('notifications.loadFailed')}</div>}
      {items !== null && items.length === 0 && !failed && (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('notifications.empty')} />
      )}
      {items !== null && items.length > 0 && (
        <ul className="ky-notif-list">
          {items.map((item) => (
            <NotificationItem key={item.id} item={item} onOpen={openItem} />
          ))}
        </ul>
      )}
      {cursor && (
        <div className="ky-notif-more">
          <Button size="small" onClick={() => load(cursor)} loading={loading}>
            {t('notifications.loadMore')}
          </Button>
        </div>
      )}
      {prefs?.email_available && (
        <label className="ky-notif-foot">
          <Switch size="small" checked={prefs.email} onChange={toggleEmail} data-testid="notifications-email" />
          <span>{t('notifications.emailCopies')}</span>
        </label>
      )}
    </div>
  );

  if (mobile) {
    return (
      <>
        {bell(() => setOpen(true))}
        <Drawer
          open={open}
          onClose={() => setOpen(false)}
          placement="right"
          width="100%"
          title={t('notifications.title')}
          className="ky-notif-drawer"
          styles={{ body: { padding: 0 } }}
        >
          {panel}
        </Drawer>
      </>
    );
  }
  return (
    <Popover open={open} onOpenChange={setOpen} trigger="click" placement="bottomRight" arrow={false} content={panel} overlayClassName="ky-notif-popover">
      {bell()}
    </Popover>
  );
}
