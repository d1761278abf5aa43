import { CheckCircleFilled, CloseCircleFilled } from '@ant-design/icons';
import { Alert, Empty, Form, Tag } from 'antd';
import { useEffect, useState } from 'react';
import type { ObjectMeta } from '../../api/types';
import { LookupSelect, type LookupValue } from '../../fields/LookupSelect';
import { useI18n, type MessageKey, type TFunction } from '../../i18n';
import { setupApi, type AccessExplanation, type AccessReason } from '../../pages/setup/api';
import '../../pages/setup/setup.css';
import { useMetadata } from '../../state/metadata';
import { FullPageSpinner, errorMessage } from '../Status';

const OPERATIONS = ['read', 'edit', 'delete'] as const;

/** A sentence for one rule of the explanation. */
export function reasonText(r: AccessReason, t: TFunction, objectLabel: (name: string) => string = (n) => n): string {
  switch (r.kind) {
    case 'administrator':
      return t('setup.access.reason.administrator');
    case 'object_permission':
      return r.role ? t('setup.access.reason.object_permission') : t('setup.access.reason.object_permission_none');
    case 'scope':
      return t('setup.access.reason.scope', { scope: t(`setup.scope.${r.scope ?? 'own'}` as MessageKey) });
    case 'manager_chain':
      return t('setup.access.reason.manager_chain');
    case 'share':
      return t('setup.access.reason.share', {
        principal: t(`setup.principal.${r.principal_type ?? 'user'}` as MessageKey),
        source: r.source === 'manual' || r.source === 'team' ? t(`setup.shareSource.${r.source}`) : (r.source ?? ''),
        access: t(`setup.fieldAccess.${r.access === 'edit' ? 'edit' : 'read'}` as MessageKey),
      });
    case 'sharing_rule':
      return t('setup.access.reason.sharing_rule', { rule: r.rule ?? '' });
    case 'master':
      return t(r.operation === 'read' ? 'setup.access.reason.master_read' : 'setup.access.reason.master_edit', {
        object: objectLabel(r.object ?? ''),
      });
    default:
      return r.kind;
  }
}

/** Pick a user; see, per operation, whether they may do it and which rule grants or denies it. */
export default function AccessPanel({ object, id }: { object: ObjectMeta; id: string }) {
  const { t, label } = useI18n();
  const { getObject } = useMetadata();
  const objectLabel = (name: string) => {
    const o = getObject(name);
    return o ? label(o.labels, o.name) : name;
  };
  const [user, setUser] = useState<LookupValue | null>(null);
  const [result, setResult] = useState<AccessExplanation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    if (!user) {
      setResult(null);
      return;
    }
    let live = true;
    setLoading(true);
    setError(null);
    setupApi
      .explainAccess(object.name, id, user.value)
      .then((r) => live && setResult(r))
      .catch((e) => live && setError(errorMessage(e, t)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [user, object.name, id, t]);

  const limited = result ? Object.entries(result.fields).filter(([, a]) => a !== 'edit') : [];
  const fieldLabel = (name: string) => {
    const f = object.fields.find((x) => x.name === name);
    return f ? label(f.labels, f.name) : name;
  };

  return (
    <div data-testid="access-panel">
      <Form layout="vertical">
        <Form.Item label={t('setup.access.user')} extra={t('setup.access.pickUser')}>
          <div data-testid="access-user">
            <LookupSelect target="user" value={user} onChange={setUser} allowClear />
          </div>
        </Form.Item>
      </Form>
      {error && <Alert type="error" showIcon message={error} />}
      {loading && <FullPageSpinner />}
      {!loading && !result && !error && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.access.pickUser')} />}
      {!loading && result && (
        <div>
          {OPERATIONS.map((op) => {
            const entry = result.operations[op];
            if (!entry) return null;
            return (
              <div key={op} className="ky-access-op" data-testid={`access-op-${op}`}>
                <div className="ky-access-op-head">
                  <span>{t(`setup.access.op.${op}` as MessageKey)}</span>
                  {entry.allowed ? <Tag color="green">{t('setup.access.allowed')}</Tag> : <Tag color="red">{t('setup.access.denied')}</Tag>}
                </div>
                {entry.reasons.map((r, i) => (
                  <div key={i} className="ky-access-reason" data-testid="access-reason">
                    {r.grants ? <CheckCircleFilled className="yes" /> : <CloseCircleFilled className="no" />}
                    <span>
                      {reasonText(r, t, objectLabel)} — <em>{r.grants ? t('setup.access.grants') : t('setup.access.doesNot')}</em>
                    </span>
                  </div>
                ))}
              </div>
            );
          })}
          <div className="ky-page-sub" style={{ marginBottom: 12 }}>
            {t('setup.access.hint')}
          </div>
          <div style={{ fontWeight: 600, marginBottom: 6 }}>{t('setup.access.fields')}</div>
          {limited.length === 0 ? (
            <div className="ky-page-sub">{t('setup.access.fieldsAll')}</div>
          ) : (
            limited.map(([name, access]) => (
              <div key={name} className="ky-access-reason">
                <span>{fieldLabel(name)}</span>
                <Tag>{t(`setup.fieldAccess.${access}` as MessageKey)}</Tag>
              </div>
            ))
          )}
        </div>
      )}
    </div>
  );
}
