/**
 * Registers the sales analytics screens' strings (imported for its side effect by the modules
 * that use them, which are loaded on demand): see analytics-en.ts.
 */
import { registerMessages } from './index';
import analyticsEn from './analytics-en';
import analyticsZhCN from './analytics-zh-CN';

registerMessages({ en: analyticsEn, 'zh-CN': analyticsZhCN });
