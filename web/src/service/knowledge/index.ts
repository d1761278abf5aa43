/** The knowledge base screens, for the routes and the case screens. */
export { SuggestedArticles } from './SuggestedArticles';
export { ArticleReader } from './ArticleReader';
export { knowledgeApi } from './api';
