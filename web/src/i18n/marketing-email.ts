/**
 * Registers the email marketing screens' strings (imported for its side effect by the modules
 * that use them, which are loaded on demand): see marketing-email-en.ts.
 */
import { registerMessages } from './index';
import marketingEmailEn from './marketing-email-en';
import marketingEmailZhCN from './marketing-email-zh-CN';

registerMessages({ en: marketingEmailEn, 'zh-CN': marketingEmailZhCN });
