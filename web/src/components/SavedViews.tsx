import { DownOutlined, EyeOutlined, SaveOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import { App, Button, Checkbox, Dropdown, Form, Input, Modal, Space, Tag } from 'antd';
import type { MenuProps } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/endpoints';
import type { ObjectMeta, SavedView } from '../api/types';
import { useI18n } from '../i18n';
import { canEditView, groupViews, sameDefinition, viewDefinition, type ListDefinition } from '../lib/views';
import { useCurrentUser } from '../state/session';
import { errorMessage } from './Status';

interface Props {
  object: ObjectMeta;
  activeId: string | null;
  current: ListDefinition;
  defaultColumns: string[];
  /** Open a view (null: all records, no saved view). */
  onSelect: (view: SavedView | null) => void;
}

type Dialog = { mode: 'create' | 'rename'; name: string; shared: boolean } | null;

/** The saved views of a list: pick one, save the current filter/sort/columns, rename, delete. */
export function SavedViews({ object, activeId, current, defaultColumns, onSelect }: Props) {
  const { t } = useI18n();
  const user = useCurrentUser();
  const { message, modal } = App.useApp();
  const me = user?.id;
  const isAdmin = !!user?.is_admin;
  const [views, setViews] = useState<SavedView[]>([]);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [saving, setSaving] = useState(false);
  const [nameError, setNameError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const list = (await api.views(object.name)).views ?? [];
      setViews(list);
    } catch {
      setViews([]);
    }
  }, [object.name]);
  useEffect(() => {
    void load();
  }, [load]);

  const active = views.find((v) => v.id === activeId) ?? null;
  const modified = active ? !sameDefinition(viewDefinition(active, defaultColumns), current) : false;
  const editable = active ? canEditView(active, me, isAdmin) : false;
  const { shared, mine } = groupViews(views, me);

  const body = () => ({
    filter: current.filter,
    sort: current.sort,
    columns: current.columns,
    q: current.q.trim() || null,
  });

  const overwrite = async () => {
    if (!active) return;
    try {
      const saved = await api.updateView(active.id, body());
      setViews((vs) => vs.map((v) => (v.id === saved.id ? saved : v)));
      message.success(t('views.saved'));
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };

  const submitDialog = async () => {
    if (!dialog) return;
    const name = dialog.name.trim();
    if (!name) {
      setNameError(t('common.required'));
      return;
    }
    setSaving(true);
    try {
      const saved =
        dialog.mode === 'create'
          ? await api.createView({ object: object.name, name, shared: dialog.shared, ...body() })
          : await api.updateView(active!.id, { name });
      setViews((vs) => [...vs.filter((v) => v.id !== saved.id), saved]);
      setDialog(null);
      message.success(t('views.saved'));
      onSelect(saved);
    } catch (e) {
      setNameError(errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };

  const remove = () => {
    if (!active) return;
    modal.confirm({
      title: t('views.confirmDelete', { name: active.name }),
      okText: t('common.delete'),
      okButtonProps: { danger: true },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await api.deleteView(active.id);
          setViews((vs) => vs.filter((v) => v.id !== active.id));
          onSelect(null);
        } catch (e) {
          message.error(errorMessage(e, t));
        }
      },
    });
  };

  const item = (v: SavedView) => ({
    key: v.id,
    label: (
      <span data-testid={`view-${v.name}`}>
        {v.name}
        {v.shared && <Tag className="ky-view-tag">{t('views.sharedTag')}</Tag>}
      </span>
    ),
  });
  const pick: MenuProps['items'] = [
    { key: '__all__', icon: <EyeOutlined />, label: t('views.all') },
    ...(shared.length ? [{ type: 'group' as const, key: 'g-shared', label: t('views.shared'), children: shared.map(item) }] : []),
    ...(mine.length ? [{ type: 'group' as const, key: 'g-mine', label: t('views.mine'), children: mine.map(item) }] : []),
  ];

  const openCreate = () => {
    setNameError(null);
    setDialog({ mode: 'create', name: '', shared: false });
  };
  const actions: MenuProps['items'] = [
    ...(active && editable ? [{ key: 'save', label: t('views.save'), disabled: !modified }] : []),
    { key: 'saveAs', label: t('views.saveAs') },
    ...(active && editable
      ? [
          { key: 'rename', label: t('views.rename') },
          { type: 'divider' as const },
          { key: 'delete', label: t('common.delete'), danger: true },
        ]
      : []),
  ];

  return (
    <Space.Compact className="ky-views">
      <Dropdown
        trigger={['click']}
        menu={{
          items: pick,
          selectable: true,
          selectedKeys: [activeId ?? '__all__'],
          onClick: ({ key }) => onSelect(key === '__all__' ? null : (views.find((v) => v.id === key) ?? null)),
        }}
      >
        <Button data-testid="views-picker" icon={active?.shared ? <TeamOutlined /> : active ? <UserOutlined /> : <EyeOutlined />}>
          <span className="ky-views-name">{active ? active.name : t('views.all')}</span>
          {modified && <span className="ky-views-dot" title={t('views.modified')} />}
          <DownOutlined />
        </Button>
      </Dropdown>
      <Dropdown
        trigger={['click']}
        menu={{
          items: actions,
          onClick: ({ key }) => {
            if (key === 'save') void overwrite();
            if (key === 'saveAs') openCreate();
            if (key === 'rename' && active) {
              setNameError(null);
              setDialog({ mode: 'rename', name: active.name, shared: active.shared });
            }
            if (key === 'delete') remove();
          },
        }}
      >
        <Button icon={<SaveOutlined />} aria-label={t('views.actions')} data-testid="views-actions" />
      </Dropdown>
      <Modal
        open={!!dialog}
        title={dialog?.mode === 'rename' ? t('views.rename') : t('views.saveAs')}
        onCancel={() => setDialog(null)}
        onOk={() => void submitDialog()}
        okText={t('common.save')}
        okButtonProps={{ loading: saving, 'data-testid': 'view-save-ok' }}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        <Form layout="vertical" onFinish={() => void submitDialog()}>
          <Form.Item label={t('views.name')} validateStatus={nameError ? 'error' : undefined} help={nameError ?? undefined} required>
            <Input
              autoFocus
              maxLength={100}
              value={dialog?.name ?? ''}
              onChange={(e) => {
                setNameError(null);
                setDialog((d) => (d ? { ...d, name: e.target.value } : d));
              }}
              onPressEnter={() => void submitDialog()}
              data-testid="view-name"
            />
          </Form.Item>
          {dialog?.mode === 'create' && isAdmin && (
            <Checkbox checked={dialog.shared} onChange={(e) => setDialog((d) => (d ? { ...d, shared: e.target.checked } : d))} data-testid="view-shared">
              {t('views.shareWithEveryone')}
            </Checkbox>
          )}
        </Form>
      </Modal>
    </Space.Compact>
  );
}
