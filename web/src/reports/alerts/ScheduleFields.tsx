/** A schedule picked as "every Monday at 08:00" (or typed as cron), in the company's time zone. */
import { Form, Input, Select, Space } from 'antd';
import { useI18n, type MessageKey } from '../../i18n';
import { useFormatSettings } from '../../state/session';
import { at, type Errors } from '../builder/errors';
import { FREQUENCIES, MONTHDAYS, timeChoices, WEEKDAYS, type Frequency, type Schedule } from './schedule';

interface Props {
  value: Schedule;
  onChange: (s: Schedule) => void;
  errors: Errors;
}

export function ScheduleFields({ value, onChange, errors }: Props) {
  const { t } = useI18n();
  const { timeZone } = useFormatSettings();
  const set = (part: Partial<Schedule>) => onChange({ ...value, ...part });
  return (
    <Form.Item label={t('reports.schedule.label')} extra={t('reports.schedule.timeZone', { zone: timeZone })} {...at(errors, 'schedule')}>
      <Space wrap>
        <Select<Frequency>
          value={value.frequency}
          onChange={(frequency) => set({ frequency })}
          options={FREQUENCIES.map((f) => ({ value: f, label: t(`reports.schedule.${f}` as MessageKey) }))}
          style={{ minWidth: 150 }}
          data-testid="schedule-frequency"
          aria-label={t('reports.schedule.label')}
        />
        {value.frequency === 'weekly' && (
          <Select<number>
            value={value.weekday}
            onChange={(weekday) => set({ weekday })}
            options={WEEKDAYS.map((d) => ({ value: d, label: t(`reports.schedule.weekday.${d}` as MessageKey) }))}
            style={{ minWidth: 120 }}
            data-testid="schedule-weekday"
            aria-label={t('reports.schedule.weekdayLabel')}
          />
        )}
        {value.frequency === 'monthly' && (
          <Select<number>
            value={value.monthday}
            onChange={(monthday) => set({ monthday })}
            options={[...new Set([...MONTHDAYS, value.monthday])].sort((a, b) => a - b).map((d) => ({ value: d, label: t('reports.schedule.monthday', { day: d }) }))}
            style={{ minWidth: 120 }}
            data-testid="schedule-monthday"
            aria-label={t('reports.schedule.monthdayLabel')}
          />
        )}
        {value.frequency === 'custom' ? (
          <Input
            value={value.cron}
            onChange={(e) => set({ cron: e.target.value })}
            placeholder="0 9 * * 1"
            style={{ width: 180 }}
            data-testid="schedule-cron"
            aria-label={t('reports.schedule.cron')}
          />
        ) : (
          <Select<string>
            value={value.time}
            onChange={(time) => set({ time })}
            options={timeChoices(value.time).map((time) => ({ value: time, label: time }))}
            showSearch
            virtual={false}
            style={{ width: 100 }}
            data-testid="schedule-time"
            aria-label={t('reports.schedule.time')}
          />
        )}
      </Space>
    </Form.Item>
  );
}
