/**
 * Registers the strings of Setup › SMS (imported for its side effect by the screen, which is
 * loaded on demand): see sms-en.ts.
 */
import { registerMessages } from './index';
import smsEn from './sms-en';
import smsZhCN from './sms-zh-CN';

registerMessages({ en: smsEn, 'zh-CN': smsZhCN });
