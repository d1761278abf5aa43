/**
 * Registers the email-to-case screens' strings (imported for its side effect by the modules that
 * use them, which are loaded on demand): see service-mail-en.ts.
 */
import { registerMessages } from './index';
import serviceMailEn from './service-mail-en';
import serviceMailZhCN from './service-mail-zh-CN';

registerMessages({ en: serviceMailEn, 'zh-CN': serviceMailZhCN });
