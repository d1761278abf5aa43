/**
 * Registers the customer portal's strings (imported for its side effect by the portal's chunk,
 * which loads on demand and never with the internal app): see portal-en.ts.
 */
import { registerMessages } from './index';
import portalEn from './portal-en';
import portalZhCN from './portal-zh-CN';

registerMessages({ en: portalEn, 'zh-CN': portalZhCN });
