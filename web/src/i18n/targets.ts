/**
 * Registers the sales target screens' strings (imported for its side effect by the modules
 * that use them, which are loaded on demand): see targets-en.ts.
 */
import { registerMessages } from './index';
import targetsEn from './targets-en';
import targetsZhCN from './targets-zh-CN';

registerMessages({ en: targetsEn, 'zh-CN': targetsZhCN });
