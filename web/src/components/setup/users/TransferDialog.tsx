import { SwapOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Modal, Result, Select, Table } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { transferRows, usersApi, type AdminUser, type PickedRef, type TransferResult } from '../../../lib/users';
import { useMetadata } from '../../../state/metadata';
import { errorMessage } from '../../Status';
import { ActiveUserPicker } from './ActiveUserPicker';
import './users.css';

interface Props {
  /** Whose records move; null keeps the dialog closed. */
  user: AdminUser | null;
  onClose: () => void;
}

/** Where a transfer error belongs: the receiver, the object list ("objects.2…"), or the top. */
function errorSlot(field: string | null | undefined): 'to_user' | 'objects' | null {
  if (field === 'to_user') return 'to_user';
  if (field && (field === 'objects' || field.startsWith('objects.'))) return 'objects';
  return null;
}

/**
 * Move a person's records to a colleague (typically before or after deactivating them).
 * The server moves them in batches through the normal write path; records a validation rule
 * refuses stay where they were and are listed, so the administrator can fix and run it again.
 */
export function TransferDialog({ user, onClose }: Props) {
  const { t, label } = useI18n();
  const { objects, getObject } = useMetadata();
  const [to, setTo] = useState<PickedRef | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [errors, setErrors] = useState<{ to_user: string[]; objects: string[]; general: string[] }>({ to_user: [], objects: [], general: [] });
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<TransferResult | null>(null);

  useEffect(() => {
    setTo(null);
    setChosen([]);
    setErrors({ to_user: [], objects: [], general: [] });
    setResult(null);
  }, [user?.id]);

  const owned = useMemo(
    () => objects.filter((o) => o.features?.owner).map((o) => ({ value: o.name, label: label(o.plural_labels ?? o.labels, o.name) })),
    [objects, label],
  );
  const objectLabel = (name: string) => {
    const meta = getObject(name);
    return meta ? label(meta.plural_labels ?? meta.labels, name) : name;
  };

  const run = async () => {
    if (!user) return;
    if (!to) {
      setErrors({ to_user: [t('setup.users.transfer.toRequired')], objects: [], general: [] });
      return;
    }
    setRunning(true);
    setErrors({ to_user: [], objects: [], general: [] });
    try {
      setResult(await usersApi.transfer(user.id, to.value, chosen));
    } catch (e) {
      const next = { to_user: [] as string[], objects: [] as string[], general: [] as string[] };
      if (e instanceof ApiError && e.fieldErrors.length) {
        for (const fe of e.fieldErrors) {
          const slot = errorSlot(fe.field);
          if (slot) next[slot].push(fe.message);
          else next.general.push(fe.field ? `${fe.field}: ${fe.message}` : fe.message);
        }
      } else next.general.push(errorMessage(e, t));
      setErrors(next);
    } finally {
      setRunning(false);
    }
  };

  const rows = result ? transferRows(result) : [];
  return (
    <Modal
      open={user !== null}
      title={user ? t('setup.users.transfer.title', { name: user.name }) : ''}
      onCancel={onClose}
      width={600}
      destroyOnHidden
      maskClosable={!running}
      closable={!running}
      footer={
        result
          ? [
              <Button key="close" type="primary" onClick={onClose} data-testid="transfer-close">
                {t('common.close')}
              </Button>,
            ]
          : [
              <Button key="cancel" onClick={onClose} disabled={running}>
                {t('common.cancel')}
              </Button>,
              <Button key="run" type="primary" icon={<SwapOutlined />} loading={running} onClick={() => void run()} data-testid="transfer-submit">
                {t('setup.users.transfer.submit')}
              </Button>,
            ]
      }
    >
      {result ? (
        <div data-testid="transfer-result">
          <Result
            status={result.failed_count ? 'warning' : 'success'}
            title={result.total ? t('setup.users.transfer.done', { total: result.total }) : t('setup.users.transfer.none')}
            subTitle={to ? t('setup.users.transfer.doneTo', { name: to.label }) : undefined}
            style={{ padding: '8px 0 16px' }}
          />
          <Table
            size="small"
            rowKey="object"
            pagination={false}
            dataSource={rows}
            columns={[
              { title: t('setup.users.transfer.object'), dataIndex: 'object', render: (o: string) => objectLabel(o) },
              { title: t('setup.users.transfer.count'), dataIndex: 'count', align: 'right', width: 120 },
            ]}
          />
          {result.failed_count > 0 && (
            <Alert
              type="warning"
              showIcon
              style={{ marginTop: 12 }}
              data-testid="transfer-failures"
              message={t('setup.users.transfer.failed', { count: result.failed_count, name: user?.name ?? '' })}
              description={
                <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                  {result.failed.map((f) => (
                    <li key={`${f.object}:${f.id}`}>
                      <Link to={`/o/${f.object}/${f.id}`} target="_blank">
                        {objectLabel(f.object)} · {f.id.slice(0, 8)}
                      </Link>{' '}
                      <span className="ky-users-sub">
                        {f.code}
                        {f.errors?.length ? ` (${f.errors.map((x) => `${x.field}: ${x.code}`).join(', ')})` : ''}
                      </span>
                    </li>
                  ))}
                  {result.failed_count > result.failed.length && (
                    <li>{t('setup.users.transfer.failedMore', { count: result.failed_count - result.failed.length })}</li>
                  )}
                </ul>
              }
            />
          )}
        </div>
      ) : (
        <Form layout="vertical" component="div">
          {errors.general.length > 0 && <Alert type="error" showIcon className="ky-mb" message={errors.general.join(' ')} data-testid="transfer-error" />}
          <p className="ky-users-sub">{t('setup.users.transfer.help')}</p>
          <Form.Item
            label={t('setup.users.transfer.to')}
            required
            validateStatus={errors.to_user.length ? 'error' : undefined}
            help={errors.to_user.length ? errors.to_user.join(' ') : undefined}
          >
            <div data-testid="transfer-to">
              <ActiveUserPicker value={to} onChange={setTo} exclude={user?.id} />
            </div>
          </Form.Item>
          <Form.Item
            label={t('setup.users.transfer.objects')}
            extra={t('setup.users.transfer.objectsHelp')}
            validateStatus={errors.objects.length ? 'error' : undefined}
            help={errors.objects.length ? errors.objects.join(' ') : undefined}
          >
            <Select
              mode="multiple"
              allowClear
              optionFilterProp="label"
              value={chosen}
              onChange={setChosen}
              options={owned}
              placeholder={t('setup.users.transfer.allObjects')}
              data-testid="transfer-objects"
            />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}
