/**
 * Registers the service console's strings (imported for its side effect by the modules that
 * use them, which are loaded on demand): see service-core-en.ts.
 */
import { registerMessages } from './index';
import serviceCoreEn from './service-core-en';
import serviceCoreZhCN from './service-core-zh-CN';

registerMessages({ en: serviceCoreEn, 'zh-CN': serviceCoreZhCN });
