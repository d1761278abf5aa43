/**
 * On a converted lead's page: a "converted" banner with links to what it became (account,
 * contact, opportunity), so a rep who lands on an old lead goes on to the live records.
 */
import '../../i18n/l2c';
import { Alert, Space, Tag } from 'antd';
import { Link } from 'react-router-dom';
import type { RecordData } from '../../api/types';
import { useI18n } from '../../i18n';

const TARGETS: [field: string, object: string, key: 'convert.account' | 'convert.contact' | 'convert.opportunity'][] = [
  ['converted_account', 'account', 'convert.account'],
  ['converted_contact', 'contact', 'convert.contact'],
  ['converted_opportunity', 'opportunity', 'convert.opportunity'],
];

/** True when the lead has been converted (its status, or a converted account set). */
export function isConverted(lead: RecordData): boolean {
  return lead.status === 'converted' || !!lead.converted_account;
}

export function ConvertedLeadLinks({ record }: { record: RecordData }) {
  const { t } = useI18n();
  return (
    <Space wrap size={[12, 4]}>
      {TARGETS.filter(([field]) => record[field]).map(([field, object, key]) => (
        <span key={field}>
          {t(key)}:{' '}
          <Link to={`/o/${object}/${encodeURIComponent(String(record[field]))}`} data-testid={`converted-${object}`}>
            {record._display?.[field] || String(record[field])}
          </Link>
        </span>
      ))}
    </Space>
  );
}

export function ConvertedLeadBanner({ record }: { record: RecordData }) {
  const { t } = useI18n();
  if (!isConverted(record)) return null;
  return (
    <Alert
      type="success"
      showIcon
      className="ky-converted-banner"
      data-testid="lead-converted"
      message={
        <Space>
          <Tag color="purple">{t('convert.converted')}</Tag>
          {t('convert.convertedHelp')}
        </Space>
      }
      description={<ConvertedLeadLinks record={record} />}
      style={{ marginBottom: 16 }}
    />
  );
}
