import { ArrowDownOutlined, ArrowUpOutlined, CloseOutlined, DeleteOutlined, EditOutlined, HolderOutlined, PlusOutlined, SwapOutlined } from '@ant-design/icons';
import { Alert, App, Badge, Button, Checkbox, Dropdown, Empty, Form, Input, Modal, Popconfirm, Select, Space, Tooltip } from 'antd';
import { useEffect, useMemo, useState, type DragEvent } from 'react';
import type { Labels, LayoutSection, ObjectMeta } from '../../api/types';
import { useI18n } from '../../i18n';
import { setupApi } from '../../pages/setup/api';
import { labelsOf } from '../../pages/setup/fieldForm';
import {
  addSection,
  editableLayout,
  layoutPayload,
  moveField,
  moveSection,
  nudgeField,
  removeField,
  removeSection,
  unplaced,
  updateSection,
  type EditableLayout,
} from '../../pages/setup/layoutEdit';
import { useMetadata } from '../../state/metadata';
import { errorMessage } from '../Status';
import { labelRule } from './NewObjectModal';

const DRAG_TYPE = 'application/x-keyi-field';

/** Where a dragged field would land: before `index` in section `key` (index = length: at the end). */
interface DropSpot {
  key: string;
  index: number;
}

/**
 * The record-page layout of one object: sections (add, rename, reorder, remove) and the order of
 * fields inside and between them, by drag and drop or with buttons (keyboard and touch friendly).
 */
export default function LayoutEditor({ object }: { object: ObjectMeta }) {
  const { t, label } = useI18n();
  const { reload } = useMetadata();
  const { message } = App.useApp();
  const initial = useMemo(() => editableLayout(object), [object]);
  const [layout, setLayout] = useState<EditableLayout>(initial);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState<DropSpot | null>(null);
  const [renaming, setRenaming] = useState<LayoutSection | 'new' | null>(null);

  useEffect(() => setLayout(initial), [initial]);
  const dirty = JSON.stringify(layoutPayload(layout)) !== JSON.stringify(layoutPayload(initial));
  const fieldsByName = useMemo(() => new Map(object.fields.map((f) => [f.name, f])), [object.fields]);
  const tray = unplaced(layout, object);
  const fieldLabel = (name: string) => {
    const f = fieldsByName.get(name);
    return f ? label(f.labels, f.name) : name;
  };
  const sectionLabel = (s: LayoutSection) => label(s.labels, s.key);

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      await setupApi.updateObject(object.name, { layout: layoutPayload(layout) });
      // Reloaded first: when "saved" shows, the app already uses the new layout.
      await reload();
      message.success(t('setup.layout.saved'));
    } catch (e) {
      setError(errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };

  const onDragStart = (e: DragEvent, field: string) => {
    e.dataTransfer.setData(DRAG_TYPE, field);
    e.dataTransfer.setData('text/plain', field);
    e.dataTransfer.effectAllowed = 'move';
  };
  const dropProps = (spot: DropSpot) => ({
    onDragOver: (e: DragEvent) => {
      if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
      e.preventDefault();
      e.stopPropagation();
      if (over?.key !== spot.key || over.index !== spot.index) setOver(spot);
    },
    onDragLeave: () => setOver(null),
    onDrop: (e: DragEvent) => {
      const field = e.dataTransfer.getData(DRAG_TYPE);
      e.preventDefault();
      e.stopPropagation();
      setOver(null);
      if (!field) return;
      // Dropping below itself in the same section: the list shrinks by one when it is taken out.
      const section = layout.sections.find((s) => s.key === spot.key);
      const from = section?.fields.indexOf(field) ?? -1;
      const index = from >= 0 && from < spot.index ? spot.index - 1 : spot.index;
      setLayout((l) => moveField(l, field, spot.key, index));
    },
  });
  const isOver = (key: string, index: number) => over?.key === key && over.index === index;

  const moveTargets = layout.sections.map((s) => ({ value: s.key, label: sectionLabel(s) }));

  return (
    <div>
      <div className="ky-setup-toolbar">
        <span className="ky-page-sub">{t('setup.layout.help')}</span>
        <Space>
          {dirty && <Badge status="warning" text={t('setup.unsaved')} />}
          <Button onClick={() => setRenaming('new')} icon={<PlusOutlined />} data-testid="layout-add-section">
            {t('setup.layout.addSection')}
          </Button>
          <Button disabled={!dirty} onClick={() => setLayout(initial)}>
            {t('setup.layout.reset')}
          </Button>
          <Button type="primary" disabled={!dirty} loading={saving} onClick={() => void save()} data-testid="layout-save">
            {t('common.save')}
          </Button>
        </Space>
      </div>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <div className="ky-layout">
        <div data-testid="layout-sections">
          {layout.sections.map((s, si) => (
            <div key={s.key} className="ky-layout-section" data-testid={`layout-section-${s.key}`}>
              <div className="ky-layout-section-head">
                <span className="ky-grow" data-testid="layout-section-title">
                  {sectionLabel(s)}
                </span>
                <Select
                  size="small"
                  value={s.columns ?? 2}
                  style={{ width: 118 }}
                  aria-label={t('setup.layout.columns')}
                  options={[1, 2, 3].map((n) => ({ value: n, label: t('setup.layout.columnsN', { n }) }))}
                  onChange={(n) => setLayout((l) => updateSection(l, s.key, { columns: n }))}
                />
                <Checkbox checked={!!s.collapsed} onChange={(e) => setLayout((l) => updateSection(l, s.key, { collapsed: e.target.checked }))}>
                  {t('setup.layout.collapsed')}
                </Checkbox>
                <Tooltip title={t('setup.layout.rename')}>
                  <Button size="small" type="text" icon={<EditOutlined />} aria-label={t('setup.layout.rename')} onClick={() => setRenaming(s)} />
                </Tooltip>
                <Tooltip title={t('setup.fields.moveUp')}>
                  <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={si === 0} aria-label={t('setup.fields.moveUp')} onClick={() => setLayout((l) => moveSection(l, s.key, -1))} />
                </Tooltip>
                <Tooltip title={t('setup.fields.moveDown')}>
                  <Button
                    size="small"
                    type="text"
                    icon={<ArrowDownOutlined />}
                    disabled={si === layout.sections.length - 1}
                    aria-label={t('setup.fields.moveDown')}
                    onClick={() => setLayout((l) => moveSection(l, s.key, 1))}
                  />
                </Tooltip>
                <Popconfirm
                  title={t('setup.layout.removeSection')}
                  description={t('setup.layout.removeSectionHelp')}
                  okText={t('common.delete')}
                  cancelText={t('common.cancel')}
                  disabled={layout.sections.length <= 1}
                  onConfirm={() => setLayout((l) => removeSection(l, s.key))}
                >
                  <Button size="small" type="text" danger icon={<DeleteOutlined />} disabled={layout.sections.length <= 1} aria-label={t('setup.layout.removeSection')} />
                </Popconfirm>
              </div>
              <div className={`ky-layout-fields cols-${s.columns ?? 2}`}>
                {s.fields.map((name, fi) => (
                  <div
                    key={name}
                    className={`ky-layout-field${isOver(s.key, fi) ? ' is-over' : ''}`}
                    draggable
                    onDragStart={(e) => onDragStart(e, name)}
                    onDragEnd={() => setOver(null)}
                    data-testid={`layout-field-${name}`}
                    {...dropProps({ key: s.key, index: fi })}
                  >
                    <HolderOutlined style={{ color: '#98a1b3' }} />
                    <span className="ky-grow" title={name}>
                      {fieldLabel(name)}
                    </span>
                    <Button size="small" type="text" icon={<ArrowUpOutlined />} aria-label={`${t('setup.fields.moveUp')} ${name}`} data-testid={`layout-up-${name}`} onClick={() => setLayout((l) => nudgeField(l, name, -1))} />
                    <Button size="small" type="text" icon={<ArrowDownOutlined />} aria-label={`${t('setup.fields.moveDown')} ${name}`} data-testid={`layout-down-${name}`} onClick={() => setLayout((l) => nudgeField(l, name, 1))} />
                    {layout.sections.length > 1 && (
                      <Dropdown
                        trigger={['click']}
                        menu={{
                          items: moveTargets.filter((o) => o.value !== s.key).map((o) => ({ key: o.value, label: o.label })),
                          onClick: ({ key }) => setLayout((l) => moveField(l, name, key, Number.MAX_SAFE_INTEGER)),
                        }}
                      >
                        <Tooltip title={t('setup.layout.moveTo')}>
                          <Button size="small" type="text" icon={<SwapOutlined />} aria-label={`${t('setup.layout.moveTo')} ${name}`} />
                        </Tooltip>
                      </Dropdown>
                    )}
                    <Tooltip title={t('setup.layout.takeOff')}>
                      <Button size="small" type="text" icon={<CloseOutlined />} aria-label={`${t('setup.layout.takeOff')} ${name}`} onClick={() => setLayout((l) => removeField(l, name))} />
                    </Tooltip>
                  </div>
                ))}
                <div className={`ky-layout-drop${isOver(s.key, s.fields.length) ? ' is-over' : ''}`} {...dropProps({ key: s.key, index: s.fields.length })}>
                  {t('setup.layout.empty')}
                </div>
              </div>
            </div>
          ))}
        </div>
        <div className="ky-setup-panel ky-layout-tray" data-testid="layout-tray">
          <div style={{ fontWeight: 600, marginBottom: 4 }}>{t('setup.layout.tray')}</div>
          <div className="ky-page-sub" style={{ marginBottom: 8 }}>
            {t('setup.layout.trayHelp')}
          </div>
          {tray.length === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.layout.trayEmpty')} />
          ) : (
            <div style={{ display: 'grid', gap: 6 }}>
              {tray.map((name) => (
                <div key={name} className="ky-layout-field" draggable onDragStart={(e) => onDragStart(e, name)} data-testid={`layout-tray-${name}`}>
                  <HolderOutlined style={{ color: '#98a1b3' }} />
                  <span className="ky-grow" title={name}>
                    {fieldLabel(name)}
                  </span>
                  <Select
                    size="small"
                    value={null}
                    placeholder={t('setup.layout.moveTo')}
                    popupMatchSelectWidth={false}
                    style={{ width: 110 }}
                    aria-label={`${t('setup.layout.moveTo')} ${name}`}
                    options={moveTargets}
                    onChange={(key: string) => setLayout((l) => moveField(l, name, key, Number.MAX_SAFE_INTEGER))}
                  />
                </div>
              ))}
            </div>
          )}
        </div>
      </div>
      <SectionNameModal
        section={renaming}
        onClose={() => setRenaming(null)}
        onDone={(labels) => {
          if (renaming === 'new') setLayout((l) => addSection(l, labels));
          else if (renaming) setLayout((l) => updateSection(l, renaming.key, { labels }));
          setRenaming(null);
        }}
      />
    </div>
  );
}

function SectionNameModal({ section, onClose, onDone }: { section: LayoutSection | 'new' | null; onClose: () => void; onDone: (labels: Labels) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ label_en?: string; label_zh?: string }>();
  useEffect(() => {
    if (!section) return;
    form.setFieldsValue(section === 'new' ? { label_en: '', label_zh: '' } : { label_en: section.labels.en ?? '', label_zh: section.labels['zh-CN'] ?? '' });
  }, [section, form]);
  return (
    <Modal
      open={!!section}
      title={section === 'new' ? t('setup.layout.newSection') : t('setup.layout.rename')}
      onCancel={onClose}
      okText={t('common.apply')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'section-name-ok' } as never}
      onOk={async () => {
        const v = await form.validateFields();
        onDone(labelsOf(v.label_en, v.label_zh));
      }}
      destroyOnHidden
    >
      <Form form={form} layout="vertical">
        <Form.Item name="label_en" label={t('setup.labelEn')} dependencies={['label_zh']} rules={[labelRule(t)]}>
          <Input data-testid="section-label-en" autoFocus />
        </Form.Item>
        <Form.Item name="label_zh" label={t('setup.labelZh')}>
          <Input data-testid="section-label-zh" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
