import '../../i18n/marketing-email';
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Dropdown, Input, Row, Segmented, Select, Space, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/client';
import type { RecordData } from '../../api/types';
import { errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { emailApi, MERGE_FIELDS, parseBlocks, type Block, type Preview } from './api';

type Mode = 'blocks' | 'html';
/** Which input a merge field goes into: the subject, the HTML, or a block's text or link. */
type Target = { kind: 'subject' } | { kind: 'html' } | { kind: 'block'; index: number; key: 'text' | 'href' };

const BLOCK_TYPES: Block['type'][] = ['heading', 'text', 'image', 'button', 'divider'];
const PREVIEW_DELAY_MS = 400;

function newBlock(type: Block['type']): Block {
  if (type === 'heading') return { type, text: '', level: 1 };
  if (type === 'button') return { type, text: '', href: 'https://' };
  if (type === 'image') return { type, src: 'https://', alt: '' };
  if (type === 'divider') return { type };
  return { type, text: '' };
}

/**
 * The email template editor (a tab of an email template's page): the subject, the body as blocks
 * or as HTML, a merge-field picker that inserts into the field last focused, and a live preview
 * rendered by the server (the same sandbox a send uses) for sample data, shown in an iframe with
 * `sandbox=""` — no script, no form, no navigation of this page. Saving sends the blocks alone
 * (the server makes the HTML from them) or the HTML with no blocks.
 */
export default function EmailTemplateEditor({ record, onSaved }: { record: RecordData; onSaved: (r: RecordData) => void }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const initialBlocks = parseBlocks(record.blocks);
  const [mode, setMode] = useState<Mode>(initialBlocks.length ? 'blocks' : 'html');
  const [subject, setSubject] = useState(String(record.subject ?? ''));
  const [html, setHtml] = useState(String(record.body_html ?? ''));
  const [blocks, setBlocks] = useState<Block[]>(initialBlocks);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const target = useRef<Target>({ kind: 'subject' });
  const language = record.language === 'en' ? 'en' : 'zh-CN';

  useEffect(() => {
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      const body = mode === 'blocks' ? { subject, blocks, language } : { subject, body_html: html, language };
      emailApi
        .preview(body as Parameters<typeof emailApi.preview>[0], ctrl.signal)
        .then((p) => {
          setPreview(p);
          setProblem(null);
        })
        .catch((e: unknown) => {
          if (ctrl.signal.aborted) return;
          setProblem(describe(e));
        });
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [subject, html, blocks, mode, language]);

  function describe(e: unknown): string {
    if (e instanceof ApiError && e.fieldErrors.length) return e.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ');
    return errorMessage(e, t);
  }

  function setBlock(index: number, patch: Partial<Block>) {
    setBlocks((all) => all.map((b, i) => (i === index ? { ...b, ...patch } : b)));
  }

  function move(index: number, by: number) {
    setBlocks((all) => {
      const next = [...all];
      const [taken] = next.splice(index, 1);
      next.splice(Math.max(0, Math.min(next.length, index + by)), 0, taken);
      return next;
    });
  }

  function insert(field: string) {
    const token = `{{ ${field} }}`;
    const at = target.current;
    if (at.kind === 'subject') setSubject((s) => s + token);
    else if (at.kind === 'html') setHtml((s) => s + token);
    else setBlock(at.index, { [at.key]: (blocks[at.index]?.[at.key] ?? '') + token });
  }

  async function save() {
    setSaving(true);
    try {
      const body = mode === 'blocks' ? { subject, blocks } : { subject, body_html: html, blocks: null };
      const saved = await emailApi.saveTemplate(String(record.id), body, Number(record.version));
      message.success(t('mkEmail.saved'));
      onSaved(saved as RecordData);
    } catch (e) {
      setProblem(describe(e));
    } finally {
      setSaving(false);
    }
  }

  const blockEditor = (
    <Space direction="vertical" style={{ width: '100%' }}>
      {blocks.map((block, index) => (
        <Card
          key={index}
          size="small"
          data-testid={`email-block-${index}`}
          title={t(`mkEmail.block.${block.type}`)}
          extra={
            <Space size={0}>
              <Button size="small" type="text" icon={<ArrowUpOutlined />} aria-label={t('mkEmail.block.up')} disabled={index === 0} onClick={() => move(index, -1)} />
              <Button size="small" type="text" icon={<ArrowDownOutlined />} aria-label={t('mkEmail.block.down')} disabled={index === blocks.length - 1} onClick={() => move(index, 1)} />
              <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('mkEmail.block.remove')} onClick={() => setBlocks((all) => all.filter((_, i) => i !== index))} />
            </Space>
          }
        >
          <Space direction="vertical" style={{ width: '100%' }}>
            {block.type === 'heading' && (
              <Segmented
                size="small"
                value={block.level ?? 1}
                options={[
                  { label: 'H1', value: 1 },
                  { label: 'H2', value: 2 },
                ]}
                onChange={(v) => setBlock(index, { level: v as 1 | 2 })}
              />
            )}
            {(block.type === 'heading' || block.type === 'text' || block.type === 'button') && (
              <Input.TextArea
                data-testid={`email-block-${index}-text`}
                aria-label={t('mkEmail.block.textField')}
                autoSize={{ minRows: block.type === 'text' ? 3 : 1 }}
                value={block.text ?? ''}
                onFocus={() => (target.current = { kind: 'block', index, key: 'text' })}
                onChange={(e) => setBlock(index, { text: e.target.value })}
              />
            )}
            {block.type === 'image' && (
              <>
                <Input prefix={<span style={{ color: 'rgba(0, 0, 0, 0.45)' }}>{t('mkEmail.block.src')}</span>} value={block.src ?? ''} onChange={(e) => setBlock(index, { src: e.target.value })} />
                <Input prefix={<span style={{ color: 'rgba(0, 0, 0, 0.45)' }}>{t('mkEmail.block.alt')}</span>} value={block.alt ?? ''} onChange={(e) => setBlock(index, { alt: e.target.value })} />
              </>
            )}
            {(block.type === 'button' || block.type === 'image') && (
              <Input
                data-testid={`email-block-${index}-href`}
                prefix={<span style={{ color: 'rgba(0, 0, 0, 0.45)' }}>{t('mkEmail.block.href')}</span>}
                value={block.href ?? ''}
                onFocus={() => (target.current = { kind: 'block', index, key: 'href' })}
                onChange={(e) => setBlock(index, { href: e.target.value })}
              />
            )}
            {block.type === 'button' && (
              <Input prefix={<span style={{ color: 'rgba(0, 0, 0, 0.45)' }}>{t('mkEmail.block.color')}</span>} placeholder="#1677ff" value={block.color ?? ''} onChange={(e) => setBlock(index, { color: e.target.value || undefined })} />
            )}
          </Space>
        </Card>
      ))}
      <Dropdown
        menu={{
          items: BLOCK_TYPES.map((type) => ({ key: type, label: t(`mkEmail.block.${type}`) })),
          onClick: ({ key }) => setBlocks((all) => [...all, newBlock(key as Block['type'])]),
        }}
      >
        <Button icon={<PlusOutlined />} data-testid="email-block-add">
          {t('mkEmail.block.add')}
        </Button>
      </Dropdown>
    </Space>
  );

  return (
    <Row gutter={16} data-testid="email-template-editor">
      <Col xs={24} lg={12}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Space wrap>
            <Segmented
              data-testid="email-mode"
              value={mode}
              options={[
                { label: t('mkEmail.mode.blocks'), value: 'blocks' },
                { label: t('mkEmail.mode.html'), value: 'html' },
              ]}
              onChange={(v) => setMode(v as Mode)}
            />
            <Select
              data-testid="email-merge-field"
              style={{ minWidth: 200 }}
              placeholder={t('mkEmail.mergeField')}
              value={null}
              options={MERGE_FIELDS.map(([field, key]) => ({ value: field, label: `${t(key)} · ${field}` }))}
              onChange={(v: string) => insert(v)}
            />
          </Space>
          <Input
            data-testid="email-subject"
            prefix={<span style={{ color: 'rgba(0, 0, 0, 0.45)' }}>{t('mkEmail.subject')}</span>}
            value={subject}
            onFocus={() => (target.current = { kind: 'subject' })}
            onChange={(e) => setSubject(e.target.value)}
          />
          {mode === 'blocks' ? (
            blockEditor
          ) : (
            <Input.TextArea
              data-testid="email-html"
              aria-label={t('mkEmail.mode.html')}
              autoSize={{ minRows: 12 }}
              style={{ fontFamily: 'monospace' }}
              value={html}
              onFocus={() => (target.current = { kind: 'html' })}
              onChange={(e) => setHtml(e.target.value)}
            />
          )}
          {problem && <Alert type="error" showIcon message={problem} data-testid="email-problem" />}
          <Button type="primary" loading={saving} onClick={save} data-testid="email-save">
            {t('mkEmail.save')}
          </Button>
        </Space>
      </Col>
      <Col xs={24} lg={12}>
        <Typography.Title level={5}>{t('mkEmail.preview')}</Typography.Title>
        {preview && (
          <Typography.Paragraph strong data-testid="email-preview-subject" lang={lang}>
            {preview.subject}
          </Typography.Paragraph>
        )}
        <iframe
          data-testid="email-preview"
          title={t('mkEmail.preview')}
          sandbox=""
          srcDoc={preview?.html ?? ''}
          style={{ width: '100%', minHeight: 480, border: '1px solid #f0f0f0', background: '#fff' }}
        />
      </Col>
    </Row>
  );
}
