/**
 * Registers the dashboard screens' strings (imported for its side effect by the modules that
 * use them, which are loaded on demand): see dashboards-en.ts.
 */
import { registerMessages } from './index';
import dashboardsEn from './dashboards-en';
import dashboardsZhCN from './dashboards-zh-CN';

registerMessages({ en: dashboardsEn, 'zh-CN': dashboardsZhCN });
