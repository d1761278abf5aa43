import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Input, Row, Segmented, Select, Space, Switch, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { api } from '../../api/endpoints';
import type { Lang, RecordData } from '../../api/types';
import { errorMessage } from '../../components/Status';
import { pickLabel, translate, useI18n, type MessageKey, type TParams } from '../../i18n';
import '../../i18n/marketing-forms';
import { useMetadata } from '../../state/metadata';
import { cleanEntries, embedSnippets, entriesOf, fillableFields, neededFields, previewOf, type FormFieldEntry } from './builder';
import WebFormView from './WebFormView';

interface Props {
  record: RecordData;
  onSaved: (record: RecordData) => void;
  canEdit: boolean;
}

/**
 * A web form's builder, on its record page: pick the lead fields the visitor fills, their
 * order, labels (zh-CN and en) and whether each is required; see the form as a visitor would
 * (in either language); and copy its public link or an embed snippet. The consent text,
 * thank-you message and redirect are the record's own fields, edited with the record.
 */
export default function WebFormBuilder({ record, onSaved, canEdit }: Props) {
  const { lang } = useI18n();
  const t = (key: MessageKey, params?: TParams) => translate(lang, key, params);
  const { message } = App.useApp();
  const { getObject } = useMetadata();
  const lead = getObject('lead');
  const [entries, setEntries] = useState<FormFieldEntry[]>(() => entriesOf(record));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [previewLang, setPreviewLang] = useState<Lang>(record.language === 'en' ? 'en' : 'zh-CN');
  const fillable = useMemo(() => fillableFields(lead), [lead]);
  const labelOf = (name: string) => pickLabel(lead?.fields.find((f) => f.name === name)?.labels, lang, name);
  const unused = fillable.filter((f) => !entries.some((e) => e.field === f.name));
  const missing = neededFields(lead).filter((f) => !entries.some((e) => e.field === f.name && e.required));
  const dirty = JSON.stringify(cleanEntries(entries)) !== JSON.stringify(cleanEntries(entriesOf(record)));
  const key = String(record.public_key ?? '');
  const snippets = embedSnippets(window.location.origin, key, String(record.name ?? ''));

  const change = (index: number, patch: Partial<FormFieldEntry>) => setEntries((all) => all.map((e, i) => (i === index ? { ...e, ...patch } : e)));
  const move = (index: number, by: number) =>
    setEntries((all) => {
      const next = [...all];
      const [item] = next.splice(index, 1);
      next.splice(index + by, 0, item);
      return next;
    });

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const saved = await api.update('web_form', record.id, record.version, { fields: cleanEntries(entries) });
      onSaved(saved);
      setEntries(entriesOf(saved));
      message.success(t('webform.builder.saved'));
    } catch (e) {
      setError(errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card title={t('webform.builder.title')} size="small" style={{ marginTop: 16 }} data-testid="webform-builder">
      <Row gutter={24}>
        <Col xs={24} lg={13}>
          <Typography.Title level={5}>{t('webform.builder.fields')}</Typography.Title>
          {entries.map((entry, index) => (
            <div key={entry.field} data-testid={`builder-row-${entry.field}`} style={{ border: '1px solid #f0f0f0', borderRadius: 6, padding: 8, marginBottom: 8 }}>
              <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
                <Typography.Text strong>{labelOf(entry.field)}</Typography.Text>
                <Space size={4}>
                  <Switch size="small" checked={!!entry.required} disabled={!canEdit} onChange={(v) => change(index, { required: v })} aria-label={`${t('webform.builder.required')} ${labelOf(entry.field)}`} data-testid={`builder-required-${entry.field}`} />
                  <span>{t('webform.builder.required')}</span>
                  <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={!canEdit || index === 0} onClick={() => move(index, -1)} aria-label={t('webform.builder.up')} />
                  <Button size="small" type="text" icon={<ArrowDownOutlined />} disabled={!canEdit || index === entries.length - 1} onClick={() => move(index, 1)} aria-label={t('webform.builder.down')} />
                  <Button size="small" type="text" danger icon={<DeleteOutlined />} disabled={!canEdit} onClick={() => setEntries((all) => all.filter((_, i) => i !== index))} aria-label={`${t('webform.builder.remove')} ${labelOf(entry.field)}`} data-testid={`builder-remove-${entry.field}`} />
                </Space>
              </Space>
              <Space.Compact style={{ width: '100%', marginTop: 6 }}>
                <Input size="small" disabled={!canEdit} placeholder={t('webform.builder.labelZh')} aria-label={`${t('webform.builder.labelZh')} ${labelOf(entry.field)}`} value={entry.labels?.['zh-CN'] ?? ''} maxLength={200} onChange={(e) => change(index, { labels: { ...entry.labels, 'zh-CN': e.target.value } })} />
                <Input size="small" disabled={!canEdit} placeholder={t('webform.builder.labelEn')} aria-label={`${t('webform.builder.labelEn')} ${labelOf(entry.field)}`} value={entry.labels?.en ?? ''} maxLength={200} onChange={(e) => change(index, { labels: { ...entry.labels, en: e.target.value } })} data-testid={`builder-label-en-${entry.field}`} />
              </Space.Compact>
            </div>
          ))}
          {canEdit && unused.length > 0 && (
            <Select
              style={{ width: '100%', marginBottom: 8 }}
              placeholder={t('webform.builder.add')}
              value={null}
              options={unused.map((f) => ({ value: f.name, label: pickLabel(f.labels, lang, f.name) }))}
              onChange={(name: string) => setEntries((all) => [...all, { field: name, required: false }])}
              data-testid="builder-add"
            />
          )}
          {missing.map((f) => (
            <Alert key={f.name} type="warning" showIcon style={{ marginBottom: 8 }} message={t('webform.builder.needName', { field: pickLabel(f.labels, lang, f.name) })} />
          ))}
          {error && <Alert type="error" showIcon style={{ marginBottom: 8 }} message={error} data-testid="builder-error" />}
          {canEdit && (
            <Button type="primary" loading={saving} disabled={!dirty || missing.length > 0} onClick={() => void save()} data-testid="builder-save">
              {t('webform.builder.save')}
            </Button>
          )}

          <Typography.Title level={5} style={{ marginTop: 24 }}>
            {t('webform.builder.publish')} <Tag>{t('webform.builder.submissions', { count: Number(record.submission_count ?? 0) })}</Tag>
          </Typography.Title>
          {record.active === false && <Alert type="warning" showIcon style={{ marginBottom: 8 }} message={t('webform.builder.inactive')} />}
          <Typography.Text type="secondary">{t('webform.builder.link')}</Typography.Text>
          <Typography.Paragraph copyable={{ text: snippets.link, tooltips: [t('webform.builder.copy'), t('webform.builder.copied')] }} data-testid="builder-link">
            <a href={snippets.link} target="_blank" rel="noreferrer">
              {snippets.link}
            </a>
          </Typography.Paragraph>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
            {t('webform.builder.utmHint')}
          </Typography.Paragraph>
          {(
            [
              ['iframe', snippets.iframe],
              ['script', snippets.script],
            ] as const
          ).map(([kind, code]) => (
            <div key={kind}>
              <Typography.Text type="secondary">{t(kind === 'iframe' ? 'webform.builder.iframe' : 'webform.builder.script')}</Typography.Text>
              <Typography.Paragraph copyable={{ text: code, tooltips: [t('webform.builder.copy'), t('webform.builder.copied')] }}>
                <pre style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12, margin: 0 }} data-testid={`builder-snippet-${kind}`}>
                  {code}
                </pre>
              </Typography.Paragraph>
            </div>
          ))}
        </Col>
        <Col xs={24} lg={11}>
          <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 8 }}>
            <Typography.Title level={5} style={{ margin: 0 }}>
              {t('webform.builder.preview')}
            </Typography.Title>
            <Segmented<Lang>
              size="small"
              value={previewLang}
              onChange={(v) => setPreviewLang(v)}
              options={[
                { value: 'zh-CN', label: '中文' },
                { value: 'en', label: 'English' },
              ]}
              data-testid="builder-preview-lang"
            />
          </Space>
          <div style={{ background: '#f5f7fa', padding: 16, borderRadius: 8 }} data-testid="builder-preview">
            <WebFormView key={previewLang} form={previewOf(record, entries, lead)} lang={previewLang} />
          </div>
        </Col>
      </Row>
    </Card>
  );
}
