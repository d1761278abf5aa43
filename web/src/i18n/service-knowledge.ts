/**
 * Registers the knowledge base screens' strings (imported for its side effect by the modules
 * that use them, which are loaded on demand): see service-knowledge-en.ts.
 */
import { registerMessages } from './index';
import serviceKnowledgeEn from './service-knowledge-en';
import serviceKnowledgeZhCN from './service-knowledge-zh-CN';

registerMessages({ en: serviceKnowledgeEn, 'zh-CN': serviceKnowledgeZhCN });
