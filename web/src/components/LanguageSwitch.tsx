import { GlobalOutlined } from '@ant-design/icons';
import { Button, Dropdown } from 'antd';
import type { Lang } from '../api/types';
import { LANGS, useI18n } from '../i18n';

export function LanguageSwitch({ compact }: { compact?: boolean }) {
  const { lang, setLang, t } = useI18n();
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        selectable: true,
        selectedKeys: [lang],
        items: LANGS.map((l) => ({ key: l, label: t(`lang.${l}`) })),
        onClick: ({ key }) => setLang(key as Lang),
      }}
    >
      <Button type="text" icon={<GlobalOutlined />} aria-label={t('lang.switch')} data-testid="lang-switch">
        {compact ? null : t(`lang.${lang}`)}
      </Button>
    </Dropdown>
  );
}
