/**
 * A report emailed on a schedule, or a change to one: when (every day, weekdays, a day of the
 * week or of the month, at a time), as what (an Excel or CSV attachment, or only the link) and
 * to whom. Each recipient's copy holds what they may see of the report.
 */
import { Form, Radio } from 'antd';
import { useI18n, type MessageKey } from '../../i18n';
import { at } from '../builder/errors';
import { SUBSCRIPTION_FORMATS, subscriptionsApi, type ReportSubscription, type SubscriptionFormat } from './api';
import { subscriptionBody, subscriptionForm, type SubscriptionForm } from './forms';
import { RuleDialog } from './RuleDialog';
import { ScheduleFields } from './ScheduleFields';

const PLACED = /^(schedule|format|recipients(\.users|\.roles)?|active)$/;

interface Props {
  open: boolean;
  reportId: string;
  /** The subscription to edit; none: a new one. */
  subscription: ReportSubscription | null;
  titles: Map<string, string>;
  onClose: () => void;
  onSaved: (sub: ReportSubscription) => void;
}

export function SubscriptionDialog({ open, reportId, subscription, titles, onClose, onSaved }: Props) {
  const { t } = useI18n();
  return (
    <RuleDialog
      open={open}
      kind="subscription"
      title={subscription ? t('reports.subs.edit') : t('reports.subs.new')}
      rule={subscription}
      build={() => subscriptionForm(subscription, titles)}
      titles={titles}
      missing={(form: SubscriptionForm) => (form.schedule.frequency === 'custom' && !form.schedule.cron.trim() ? ['schedule'] : [])}
      body={(form) => subscriptionBody(form, reportId)}
      api={subscriptionsApi}
      placed={PLACED}
      onClose={onClose}
      onSaved={onSaved}
    >
      {(form, set, errors) => (
        <>
          <ScheduleFields value={form.schedule} onChange={(schedule) => set({ schedule })} errors={errors} />
          <Form.Item label={t('reports.subs.format')} {...at(errors, 'format')}>
            <Radio.Group value={form.format} onChange={(e) => set({ format: e.target.value as SubscriptionFormat })} data-testid="subscription-format">
              {SUBSCRIPTION_FORMATS.map((f) => (
                <Radio key={f} value={f} data-testid={`subscription-format-${f}`}>
                  {t(`reports.subs.format.${f}` as MessageKey)}
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
        </>
      )}
    </RuleDialog>
  );
}
