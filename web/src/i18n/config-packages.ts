/**
 * Registers the strings of Setup › Configuration packages (imported for its side effect by
 * the screen, which is loaded on demand): see config-packages-en.ts.
 */
import { registerMessages } from './index';
import configPackagesEn from './config-packages-en';
import configPackagesZhCN from './config-packages-zh-CN';

registerMessages({ en: configPackagesEn, 'zh-CN': configPackagesZhCN });
