import { Alert, App, Badge, Button, Checkbox, Radio, Select, Space, Table } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import type { ObjectMeta } from '../../api/types';
import { useI18n, type MessageKey } from '../../i18n';
import { setupApi, type FieldAccess, type SetupField } from '../../pages/setup/api';
import { FLAGS, matrixFor, permissionsPayload, SCOPES, setAll, setFieldAccess, setFlag, setScope, type Matrix } from '../../pages/setup/permissions';
import { useMetadata } from '../../state/metadata';
import { ErrorResult, errorMessage, FullPageSpinner } from '../Status';

/**
 * A role's permissions: per object the four operations and the data scopes for seeing and
 * changing records; per field (expand a row) read & edit, read only or hidden.
 */
export function PermissionMatrix({ roleId }: { roleId: string }) {
  const { t, label } = useI18n();
  const { objects } = useMetadata();
  const { message } = App.useApp();
  const names = useMemo(() => objects.map((o) => o.name), [objects]);
  const [initial, setInitial] = useState<Matrix | null>(null);
  const [matrix, setMatrix] = useState<Matrix | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let live = true;
    setMatrix(null);
    setLoadError(null);
    setupApi
      .rolePermissions(roleId)
      .then((p) => {
        if (!live) return;
        const m = matrixFor(names, p);
        setInitial(m);
        setMatrix(m);
      })
      .catch((e) => live && setLoadError(e));
    return () => {
      live = false;
    };
  }, [roleId, names]);

  if (loadError) return <ErrorResult error={loadError} />;
  if (!matrix || !initial) return <FullPageSpinner />;

  const dirty = JSON.stringify(permissionsPayload(matrix)) !== JSON.stringify(permissionsPayload(initial));
  const rows = objects.filter((o) => matrix[o.name]);

  const save = async () => {
    setSaving(true);
    setSaveError(null);
    try {
      const saved = await setupApi.setRolePermissions(roleId, permissionsPayload(matrix));
      const m = matrixFor(names, saved);
      setInitial(m);
      setMatrix(m);
      message.success(t('setup.roles.saved'));
    } catch (e) {
      setSaveError(errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };

  const scopeOptions = SCOPES.map((s) => ({ value: s, label: t(`setup.scope.${s}` as MessageKey) }));

  return (
    <div>
      <div className="ky-setup-toolbar">
        <span className="ky-page-sub">{t('setup.roles.replaceNote')}</span>
        <Space>
          {dirty && <Badge status="warning" text={t('setup.unsaved')} />}
          <Button onClick={() => setMatrix(setAll(matrix, true))}>{t('setup.roles.grantAll')}</Button>
          <Button onClick={() => setMatrix(setAll(matrix, false))}>{t('setup.roles.revokeAll')}</Button>
          <Button disabled={!dirty} onClick={() => setMatrix(initial)}>
            {t('setup.layout.reset')}
          </Button>
          <Button type="primary" disabled={!dirty} loading={saving} onClick={() => void save()} data-testid="permissions-save">
            {t('common.save')}
          </Button>
        </Space>
      </div>
      {saveError && <Alert type="error" showIcon message={saveError} style={{ marginBottom: 12 }} />}
      <Table<ObjectMeta>
        className="ky-perm-table"
        rowKey="name"
        size="small"
        pagination={false}
        dataSource={rows}
        scroll={{ x: 860 }}
        expandable={{ expandedRowRender: (o) => <FieldAccessTable object={o} matrix={matrix} onChange={setMatrix} />, rowExpandable: () => true }}
        columns={[
          { title: t('setup.roles.object'), key: 'object', render: (_, o) => label(o.plural_labels ?? o.labels, o.name), fixed: 'left' },
          ...FLAGS.map((flag) => ({
            title: t(`setup.perm.${flag}` as MessageKey),
            key: flag,
            align: 'center' as const,
            width: 70,
            render: (_: unknown, o: ObjectMeta) => (
              <Checkbox
                checked={matrix[o.name][flag]}
                aria-label={`${o.name} ${flag}`}
                data-testid={`perm-${o.name}-${flag}`}
                onChange={(e) => setMatrix(setFlag(matrix, o.name, flag, e.target.checked))}
              />
            ),
          })),
          {
            title: t('setup.roles.readScope'),
            key: 'read_scope',
            width: 150,
            render: (_, o) => (
              <Select
                size="small"
                style={{ width: 140 }}
                disabled={!matrix[o.name].read}
                value={matrix[o.name].read_scope}
                options={scopeOptions}
                aria-label={`${o.name} ${t('setup.roles.readScope')}`}
                data-testid={`scope-${o.name}-read`}
                onChange={(v) => setMatrix(setScope(matrix, o.name, 'read_scope', v))}
              />
            ),
          },
          {
            title: t('setup.roles.editScope'),
            key: 'edit_scope',
            width: 150,
            render: (_, o) => (
              <Select
                size="small"
                style={{ width: 140 }}
                disabled={!matrix[o.name].edit && !matrix[o.name].delete}
                value={matrix[o.name].edit_scope}
                options={scopeOptions}
                aria-label={`${o.name} ${t('setup.roles.editScope')}`}
                data-testid={`scope-${o.name}-edit`}
                onChange={(v) => setMatrix(setScope(matrix, o.name, 'edit_scope', v))}
              />
            ),
          },
          {
            title: t('setup.roles.fields'),
            key: 'fields',
            width: 110,
            render: (_, o) => {
              const n = Object.keys(matrix[o.name].fields).length;
              return n ? <Badge count={n} color="#7048e8" /> : <span className="ky-page-sub">—</span>;
            },
          },
        ]}
      />
      <Alert type="info" showIcon message={t('setup.roles.administered')} style={{ marginTop: 12 }} />
    </div>
  );
}

function FieldAccessTable({ object, matrix, onChange }: { object: ObjectMeta; matrix: Matrix; onChange: (m: Matrix) => void }) {
  const { t, label } = useI18n();
  const fields = (object.fields as SetupField[]).filter((f) => !f.system);
  return (
    <Table<SetupField>
      rowKey="name"
      size="small"
      pagination={false}
      dataSource={fields}
      showHeader={false}
      columns={[
        { key: 'label', render: (_, f) => label(f.labels, f.name) },
        { key: 'name', render: (_, f) => <span className="ky-setup-mono">{f.name}</span> },
        {
          key: 'access',
          align: 'right',
          render: (_, f) => (
            <Radio.Group
              size="small"
              optionType="button"
              value={matrix[object.name].fields[f.name] ?? 'edit'}
              onChange={(e) => onChange(setFieldAccess(matrix, object.name, f.name, e.target.value as FieldAccess))}
              options={(['edit', 'read', 'hidden'] as const).map((a) => ({ value: a, label: t(`setup.fieldAccess.${a}` as MessageKey) }))}
            />
          ),
        },
      ]}
    />
  );
}
