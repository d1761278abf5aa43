import { render } from '@testing-library/react';
import { App as AntApp, ConfigProvider } from 'antd';
import type { ReactElement, ReactNode } from 'react';
import { MemoryRouter } from 'react-router-dom';
import type { Lang, ObjectMeta } from '../api/types';
import { I18nProvider } from '../i18n';
import { StaticMetadataProvider } from '../state/metadata';
import { OBJECTS } from './fixtures';

export function Providers({ children, lang = 'en', objects = OBJECTS, path = '/' }: { children: ReactNode; lang?: Lang; objects?: ObjectMeta[]; path?: string }) {
  return (
    <I18nProvider initial={lang}>
      <ConfigProvider>
        <AntApp>
          <StaticMetadataProvider objects={objects}>
            <MemoryRouter initialEntries={[path]}>{children}</MemoryRouter>
          </StaticMetadataProvider>
        </AntApp>
      </ConfigProvider>
    </I18nProvider>
  );
}

export function renderWith(ui: ReactElement, opts: { lang?: Lang; objects?: ObjectMeta[]; path?: string } = {}) {
  return render(ui, { wrapper: ({ children }) => <Providers {...opts}>{children}</Providers> });
}
