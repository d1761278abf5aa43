/**
 * A report folder's name and who sees it: nobody but its owner, everyone, some roles or some
 * departments (with their sub-departments). Sharing beyond the owner is an administrator's
 * decision (the server answers 403 `sharing_needs_admin` otherwise), so others see those
 * choices disabled rather than failing on save.
 */
import { Alert, Form, Input, Modal, Radio, Space } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError } from '../../api/client';
import { errorMessage } from '../../components/Status';
import { LookupSelect, type LookupValue } from '../../fields/LookupSelect';
import { useI18n } from '../../i18n';
import { fetchTitles } from '../../lib/referenceLabels';
import { useMetadata } from '../../state/metadata';
import { reportsApi, textOf, type ReportFolder, type Sharing, type SharingScope } from '../../reports/api';

const SCOPES: SharingScope[] = ['private', 'all', 'roles', 'departments'];
/** The server's error paths shown at a control; others above the form. */
const PLACED = new Set(['name', 'sharing.scope', 'sharing.roles', 'sharing.departments']);

interface Props {
  open: boolean;
  /** The folder to edit; none: a new folder. */
  folder: ReportFolder | null;
  /** May share beyond its owner (an administrator). */
  canShare: boolean;
  onClose: () => void;
  onSaved: (folder: ReportFolder) => void;
}

/** The sharing the dialog sends: only the list its scope uses. */
export function sharingBody(scope: SharingScope, roles: LookupValue[], departments: LookupValue[]): Sharing {
  if (scope === 'roles') return { scope, roles: roles.map((r) => r.value) };
  if (scope === 'departments') return { scope, departments: departments.map((d) => d.value) };
  return { scope };
}

export function FolderDialog({ open, folder, canShare, onClose, onSaved }: Props) {
  const { t, lang } = useI18n();
  const { getObject } = useMetadata();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<SharingScope>('private');
  const [roles, setRoles] = useState<LookupValue[]>([]);
  const [departments, setDepartments] = useState<LookupValue[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!open) return;
    const sharing = folder?.sharing ?? { scope: 'private' as const };
    setName(folder ? textOf(folder.name, lang) : '');
    setScope(sharing.scope);
    setErrors({});
    setFailure(null);
    const ids = (list?: string[] | null) => (list ?? []).map((id) => ({ value: id, label: id }));
    setRoles(ids(sharing.roles));
    setDepartments(ids(sharing.departments));
    // The folder stores ids: show the roles' and departments' names.
    const wanted = new Map<string, string[]>();
    if (sharing.roles?.length) wanted.set('role', sharing.roles);
    if (sharing.departments?.length) wanted.set('department', sharing.departments);
    if (!wanted.size) return;
    const ctrl = new AbortController();
    void fetchTitles(wanted, getObject, ctrl.signal).then((titles) => {
      if (ctrl.signal.aborted) return;
      const named = (list?: string[] | null) => (list ?? []).map((id) => ({ value: id, label: titles.get(id) ?? id }));
      setRoles(named(sharing.roles));
      setDepartments(named(sharing.departments));
    });
    return () => ctrl.abort();
  }, [open, folder, lang, getObject]);

  const save = async () => {
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = t('common.required');
    if (scope === 'roles' && !roles.length) found['sharing.roles'] = t('reports.folder.pickRoles');
    if (scope === 'departments' && !departments.length) found['sharing.departments'] = t('reports.folder.pickDepartments');
    setErrors(found);
    if (Object.keys(found).length) return;
    setSaving(true);
    setFailure(null);
    try {
      const sharing = sharingBody(scope, roles, departments);
      if (folder) {
        // A name stored per language is only replaced when it was edited here.
        const renamed = name.trim() !== textOf(folder.name, lang);
        onSaved(await reportsApi.updateFolder(folder.id, renamed ? { name: name.trim(), sharing } : { sharing }));
      } else {
        onSaved(await reportsApi.createFolder({ name: name.trim(), sharing }));
      }
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        const placed: Record<string, string> = {};
        for (const fe of e.fieldErrors) {
          const key = (fe.field ?? '').replace(/^body\./, '').replace(/^(sharing\.(roles|departments))\.\d+$/, '$1');
          placed[PLACED.has(key) ? key : '_'] = fe.message;
        }
        setErrors(placed);
        if (placed._) setFailure(placed._);
      } else {
        setFailure(errorMessage(e, t));
      }
    } finally {
      setSaving(false);
    }
  };

  const status = (key: string) => (errors[key] ? { validateStatus: 'error' as const, help: errors[key] } : {});
  return (
    <Modal
      open={open}
      title={folder ? t('reports.folder.edit') : t('reports.folder.new')}
      onCancel={onClose}
      onOk={() => void save()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      destroyOnHidden
      data-testid="folder-dialog"
    >
      {failure && <Alert type="error" showIcon message={failure} style={{ marginBottom: 12 }} />}
      <Form layout="vertical" component="div">
        <Form.Item label={t('reports.folder.name')} required {...status('name')}>
          <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} data-testid="folder-name" />
        </Form.Item>
        <Form.Item label={t('reports.folder.sharing')} {...status('sharing.scope')} extra={canShare ? undefined : t('reports.folder.adminShares')}>
          <Radio.Group value={scope} onChange={(e) => setScope(e.target.value as SharingScope)} data-testid="folder-scope">
            <Space direction="vertical">
              {SCOPES.map((s) => (
                <Radio key={s} value={s} disabled={s !== 'private' && !canShare} data-testid={`folder-scope-${s}`}>
                  {t(`reports.sharing.${s}`)}
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
        {scope === 'roles' && (
          <Form.Item label={t('reports.folder.roles')} required {...status('sharing.roles')}>
            <div data-testid="folder-roles">
              <LookupSelect target="role" multiple value={roles} onChange={(v) => setRoles(v ? [v] : [])} onChangeMany={setRoles} />
            </div>
          </Form.Item>
        )}
        {scope === 'departments' && (
          <Form.Item label={t('reports.folder.departments')} required {...status('sharing.departments')} extra={t('reports.folder.subDepartments')}>
            <div data-testid="folder-departments">
              <LookupSelect target="department" multiple value={departments} onChange={(v) => setDepartments(v ? [v] : [])} onChangeMany={setDepartments} />
            </div>
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
