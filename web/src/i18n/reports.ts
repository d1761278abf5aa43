/**
 * Registers the reports screens' and charts' strings (imported for its side effect by the
 * modules that use them, which are loaded on demand): see reports-en.ts.
 */
import { registerMessages } from './index';
import reportsEn from './reports-en';
import reportsZhCN from './reports-zh-CN';

registerMessages({ en: reportsEn, 'zh-CN': reportsZhCN });
