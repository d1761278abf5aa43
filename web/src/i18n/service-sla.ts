/**
 * Registers the SLA setup screens' strings (imported for its side effect by the modules that
 * use them, which are loaded on demand): see service-sla-en.ts.
 */
import { registerMessages } from './index';
import serviceSlaEn from './service-sla-en';
import serviceSlaZhCN from './service-sla-zh-CN';

registerMessages({ en: serviceSlaEn, 'zh-CN': serviceSlaZhCN });
