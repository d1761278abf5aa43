/**
 * Registers the lead-to-cash screens' strings (imported for its side effect by the modules that
 * use them, which are loaded on demand): see l2c-en.ts.
 */
import { registerMessages } from './index';
import l2cEn from './l2c-en';
import l2cZhCN from './l2c-zh-CN';

registerMessages({ en: l2cEn, 'zh-CN': l2cZhCN });
