/**
 * Registers the strings of the import wizard and Setup › Imports (imported for its side effect
 * by those screens, which are loaded on demand): see imports-en.ts.
 */
import { registerMessages } from './index';
import importsEn from './imports-en';
import importsZhCN from './imports-zh-CN';

registerMessages({ en: importsEn, 'zh-CN': importsZhCN });
