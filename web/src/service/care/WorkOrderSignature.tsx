/**
 * The customer's signature on a work order's page, once signed: the PNG kept with the work
 * order, loaded from the work order's `signature` action (authorised like the record, by the
 * session cookie), with who signed and when.
 */
import '../../i18n/service-care';
import { Card, Typography } from 'antd';
import type { RecordData } from '../../api/types';
import { useI18n } from '../../i18n';

export default function WorkOrderSignature({ record }: { record: RecordData }) {
  const { t } = useI18n();
  if (!record.signed_at) return null;
  // The signing time in the URL: a re-signed work order is not served from the browser's cache.
  const src = `/api/v1/records/work_order/${encodeURIComponent(record.id)}/signature?at=${encodeURIComponent(String(record.signed_at))}`;
  return (
    <Card size="small" title={t('care.signature.title')} style={{ marginTop: 12 }} data-testid="work-order-signature">
      <img src={src} alt={t('care.signature.alt', { name: String(record.signed_by_name ?? '') })} style={{ maxWidth: '100%', maxHeight: 160 }} />
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {String(record.signed_by_name ?? '')}
      </Typography.Paragraph>
    </Card>
  );
}
