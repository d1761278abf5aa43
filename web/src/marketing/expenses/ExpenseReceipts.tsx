/**
 * An expense's receipts (marketing package): the files kept with it, a button to attach a PDF
 * or image (at most 5 MB, checked again by the server), and a download per file.
 *
 * Built on the expense's record actions: `GET receipts`, `POST attach_receipt` (the file as
 * base64) and `POST receipt` (the file itself, saved through a blob link).
 */
import '../../i18n/marketing-campaigns';
import { PaperClipOutlined, UploadOutlined } from '@ant-design/icons';
import { App, Button, Card, List, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { API_BASE, buildHeaders, request } from '../../api/client';
import type { RecordData } from '../../api/types';
import { useI18n } from '../../i18n';

export interface ReceiptItem {
  id: string;
  filename: string;
  content_type: string;
  size: number;
  created_at: string;
}

export const RECEIPT_TYPES = ['application/pdf', 'image/png', 'image/jpeg'];
export const MAX_RECEIPT_BYTES = 5 * 1024 * 1024;

const base = (id: string) => `/api/v1/records/marketing_expense/${encodeURIComponent(id)}`;

/** The file's bytes as base64 (what `attach_receipt` takes). */
export function fileToBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}

export default function ExpenseReceipts({ record, canEdit }: { record: RecordData; canEdit: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [items, setItems] = useState<ReceiptItem[] | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    request<{ items: ReceiptItem[] }>(`${base(record.id)}/receipts`, { signal: ctrl.signal })
      .then((answer) => setItems(answer.items))
      .catch(() => {
        if (!ctrl.signal.aborted) setItems([]);
      });
    return () => ctrl.abort();
  }, [record.id]);

  const attach = async (file: File) => {
    if (!RECEIPT_TYPES.includes(file.type) || file.size > MAX_RECEIPT_BYTES) {
      message.error(t('expense.receipts.invalid'));
      return;
    }
    setBusy(true);
    try {
      const answer = await request<{ items: ReceiptItem[] }>(`${base(record.id)}/attach_receipt`, {
        body: { filename: file.name, content_type: file.type, data: await fileToBase64(file) },
      });
      setItems(answer.items);
      message.success(t('expense.receipts.attached'));
    } catch {
      message.error(t('expense.receipts.failed'));
    } finally {
      setBusy(false);
    }
  };

  const download = async (item: ReceiptItem) => {
    const res = await fetch(`${API_BASE}${base(record.id)}/receipt`, {
      method: 'POST',
      headers: buildHeaders('POST', true),
      body: JSON.stringify({ file_id: item.id }),
      credentials: 'same-origin',
    });
    if (!res.ok) {
      message.error(t('expense.receipts.failed'));
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = item.filename;
    link.click();
    URL.revokeObjectURL(url);
  };

  return (
    <Card
      size="small"
      title={t('expense.receipts.title')}
      style={{ marginTop: 12 }}
      data-testid="expense-receipts"
      extra={
        canEdit ? (
          <>
            <input
              ref={input}
              type="file"
              accept={RECEIPT_TYPES.join(',')}
              style={{ display: 'none' }}
              data-testid="expense-receipt-input"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) void attach(file);
              }}
            />
            <Button size="small" icon={<UploadOutlined />} loading={busy} onClick={() => input.current?.click()}>
              {t('expense.receipts.attach')}
            </Button>
          </>
        ) : null
      }
    >
      <List
        size="small"
        loading={items === null}
        dataSource={items ?? []}
        locale={{ emptyText: t('expense.receipts.empty') }}
        renderItem={(item) => (
          <List.Item key={item.id}>
            <Typography.Link onClick={() => void download(item)} data-testid={`receipt-${item.id}`}>
              <PaperClipOutlined /> {item.filename}
            </Typography.Link>
            <Typography.Text type="secondary">{t('expense.receipts.size', { kb: Math.max(1, Math.round(item.size / 1024)) })}</Typography.Text>
          </List.Item>
        )}
      />
    </Card>
  );
}
