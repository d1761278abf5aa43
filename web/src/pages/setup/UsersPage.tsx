import { CrownOutlined, ReloadOutlined, UserAddOutlined } from '@ant-design/icons';
import { App, Button, Input, Modal, Segmented, Space, Table, Tag, Tooltip } from 'antd';
import { useCallback, useEffect, useRef, useState, type HTMLAttributes } from 'react';
import { InvitationLink } from '../../components/setup/users/InvitationLink';
import { InviteUserModal } from '../../components/setup/users/InviteUserModal';
import { TransferDialog } from '../../components/setup/users/TransferDialog';
import '../../components/setup/users/users.css';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n, type MessageKey } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import {
  replaceUser,
  STATUS_COLORS,
  USER_STATUSES,
  userActions,
  usersApi,
  type AdminUser,
  type IssuedInvitation,
  type UserAction,
  type UserStatus,
} from '../../lib/users';
import { useCurrentUser, useFormatSettings } from '../../state/session';

const PAGE = 50;

/** Confirmation texts and calls of the actions that change a user's status. */
const CONFIRMED: Record<'revoke' | 'deactivate' | 'reactivate', { title: MessageKey; help: MessageKey; done: MessageKey; danger: boolean }> = {
  revoke: { title: 'setup.users.confirm.revoke', help: 'setup.users.confirm.revokeHelp', done: 'setup.users.done.revoke', danger: true },
  deactivate: { title: 'setup.users.confirm.deactivate', help: 'setup.users.confirm.deactivateHelp', done: 'setup.users.done.deactivate', danger: true },
  reactivate: { title: 'setup.users.confirm.reactivate', help: 'setup.users.confirm.reactivateHelp', done: 'setup.users.done.reactivate', danger: false },
};

/**
 * Administrators manage who works in the company: invite by email (the link is shown to copy
 * whether or not mail went out), re-invite or withdraw, deactivate and reactivate, and hand a
 * leaver's records to a colleague. Each action answers with the server's own explanation when
 * it is refused (the last administrator, yourself).
 */
export default function UsersPage() {
  const { t } = useI18n();
  const { modal, message } = App.useApp();
  const fmt = useFormatSettings();
  const me = useCurrentUser();
  const [status, setStatus] = useState<UserStatus | null>(null);
  const [q, setQ] = useState('');
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [inviting, setInviting] = useState(false);
  const [transferring, setTransferring] = useState<AdminUser | null>(null);
  const [reissued, setReissued] = useState<{ issued: IssuedInvitation; email: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  const load = useCallback(
    async (after: string | null) => {
      abort.current?.abort();
      const ctrl = new AbortController();
      abort.current = ctrl;
      setLoading(true);
      setError(null);
      try {
        const page = await usersApi.list({ status, q, cursor: after, limit: PAGE }, ctrl.signal);
        setUsers((prev) => (after ? [...prev, ...page.users] : page.users));
        setCursor(page.next_cursor);
      } catch (e) {
        if (!ctrl.signal.aborted) setError(e);
      } finally {
        if (!ctrl.signal.aborted) setLoading(false);
      }
    },
    [status, q],
  );

  useEffect(() => {
    const timer = setTimeout(() => void load(null), q ? 250 : 0);
    return () => clearTimeout(timer);
  }, [load, q]);
  useEffect(() => () => abort.current?.abort(), []);

  const refused = (e: unknown) =>
    modal.error({ title: t('setup.users.failed'), content: <span data-testid="user-action-error">{errorMessage(e, t)}</span> });

  const reinvite = async (user: AdminUser) => {
    setBusy(user.id);
    try {
      const issued = await usersApi.reinvite(user.id);
      setReissued({ issued, email: user.email });
      void load(null);
    } catch (e) {
      refused(e);
    } finally {
      setBusy(null);
    }
  };

  const confirmed = (action: keyof typeof CONFIRMED, user: AdminUser) => {
    const text = CONFIRMED[action];
    modal.confirm({
      title: t(text.title, { name: user.name }),
      content: t(text.help),
      okText: t(`setup.users.action.${action}`),
      okButtonProps: { danger: text.danger, 'data-testid': 'user-action-confirm' },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          if (action === 'revoke') {
            await usersApi.revokeInvitation(user.id);
            void load(null);
          } else {
            const updated = await (action === 'deactivate' ? usersApi.deactivate(user.id) : usersApi.reactivate(user.id));
            setUsers((prev) => replaceUser(prev, updated, status));
          }
          message.success(t(text.done, { name: user.name }));
        } catch (e) {
          refused(e);
        }
      },
    });
  };

  const act = (action: UserAction, user: AdminUser) => {
    if (action === 'reinvite') void reinvite(user);
    else if (action === 'transfer') setTransferring(user);
    else confirmed(action, user);
  };

  const statusTag = (u: AdminUser) => (
    <div className="ky-users-name">
      <span>
        <Tag color={STATUS_COLORS[u.status]} data-testid={`user-status-${u.id}`}>
          {t(`setup.users.status.${u.status}`)}
        </Tag>
      </span>
      {u.invitation && (
        <span className={`ky-users-sub${u.invitation.expired ? ' is-expired' : ''}`}>
          {u.invitation.expired ? t('setup.users.expired') : t('setup.users.expires', { at: formatDateTime(u.invitation.expires_at, fmt) })}
        </span>
      )}
    </div>
  );

  return (
    <div className="ky-setup-panel" data-testid="users-page">
      <div className="ky-setup-toolbar">
        <h2>{t('setup.users.title')}</h2>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void load(null)} aria-label={t('common.reload')} />
          <Button type="primary" icon={<UserAddOutlined />} onClick={() => setInviting(true)} data-testid="user-invite">
            {t('setup.users.invite')}
          </Button>
        </Space>
      </div>
      <div className="ky-users-filters">
        <Input.Search
          allowClear
          style={{ width: 280 }}
          placeholder={t('setup.users.search')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          data-testid="users-search"
        />
        <Segmented<string>
          value={status ?? 'all'}
          onChange={(v) => setStatus(v === 'all' ? null : (v as UserStatus))}
          options={[
            { value: 'all', label: t('common.all') },
            ...USER_STATUSES.map((s) => ({ value: s, label: t(`setup.users.status.${s}`) })),
          ]}
          data-testid="users-status"
        />
      </div>
      {error ? (
        <ErrorResult error={error} onRetry={() => void load(null)} />
      ) : (
        <>
          <Table<AdminUser>
            rowKey="id"
            size="small"
            loading={loading && users.length === 0}
            dataSource={users}
            pagination={false}
            scroll={{ x: 980 }}
            locale={{ emptyText: t('setup.users.empty') }}
            data-testid="users-table"
            onRow={(u) => ({ 'data-testid': `user-row-${u.email}` }) as HTMLAttributes<HTMLElement>}
            columns={[
              {
                title: t('setup.users.col.name'),
                key: 'name',
                render: (_, u) => (
                  <div className="ky-users-name">
                    <span>
                      {u.name}
                      {u.is_admin && (
                        <Tooltip title={t('setup.users.field.isAdmin')}>
                          <CrownOutlined style={{ color: '#d4a017', marginInlineStart: 6 }} aria-label={t('setup.users.field.isAdmin')} />
                        </Tooltip>
                      )}
                      {me?.id === u.id && <Tag style={{ marginInlineStart: 6 }}>{t('setup.users.you')}</Tag>}
                    </span>
                    <span className="ky-users-email">{u.email}</span>
                  </div>
                ),
              },
              { title: t('setup.users.col.status'), key: 'status', width: 190, render: (_, u) => statusTag(u) },
              { title: t('setup.users.field.role'), dataIndex: 'role_name', width: 130, render: (v: string | null) => v || '—' },
              { title: t('setup.users.field.department'), dataIndex: 'department_name', width: 130, render: (v: string | null) => v || '—' },
              { title: t('setup.users.field.manager'), dataIndex: 'manager_name', width: 120, render: (v: string | null) => v || '—' },
              {
                title: t('setup.users.col.lastLogin'),
                dataIndex: 'last_login_at',
                width: 160,
                render: (v: string | null) => (v ? formatDateTime(v, fmt) : <span className="ky-users-sub">{t('setup.users.never')}</span>),
              },
              {
                title: t('setup.users.col.actions'),
                key: 'actions',
                width: 300,
                render: (_, u) => (
                  <Space size={0} wrap className="ky-users-actions">
                    {userActions(u).map((a) => (
                      <Button
                        key={a}
                        type="link"
                        size="small"
                        danger={a === 'deactivate' || a === 'revoke'}
                        loading={a === 'reinvite' && busy === u.id}
                        onClick={() => act(a, u)}
                        data-testid={`user-${a}`}
                      >
                        {t(`setup.users.action.${a}`)}
                      </Button>
                    ))}
                  </Space>
                ),
              },
            ]}
          />
          {cursor && (
            <div style={{ textAlign: 'center', marginTop: 12 }}>
              <Button loading={loading} onClick={() => void load(cursor)} data-testid="users-more">
                {t('common.loadMore')}
              </Button>
            </div>
          )}
        </>
      )}
      <InviteUserModal open={inviting} onClose={() => setInviting(false)} onInvited={() => void load(null)} />
      <TransferDialog user={transferring} onClose={() => setTransferring(null)} />
      <Modal
        open={reissued !== null}
        title={reissued ? t('setup.users.reinvitedTitle', { email: reissued.email }) : ''}
        onCancel={() => setReissued(null)}
        footer={
          <Button type="primary" onClick={() => setReissued(null)} data-testid="reinvite-close">
            {t('common.close')}
          </Button>
        }
        width={600}
      >
        {reissued && <InvitationLink issued={reissued.issued} email={reissued.email} />}
      </Modal>
    </div>
  );
}
