/**
 * Registers Setup's automation strings (imported for its side effect by the modules that use
 * them, which are loaded on demand): see setup-en.ts.
 */
import { registerMessages } from './index';
import setupEn from './setup-en';
import setupZhCN from './setup-zh-CN';

registerMessages({ en: setupEn, 'zh-CN': setupZhCN });
