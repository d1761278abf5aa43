import { request } from '../../api/client';

/** What the public survey page shows before the answer (GET /api/v1/public/surveys/{token}). */
export interface SurveyInfo {
  company: string;
  case_no: string | null;
  subject: string;
  language: 'zh-CN' | 'en';
  expires_at: string;
}

export interface SurveyAnswer {
  csat: number;
  nps: number | null;
  comment: string | null;
}

const path = (token: string) => `/api/v1/public/surveys/${encodeURIComponent(token)}`;

/** The public survey routes: no session, the token is the key (never a sign-in redirect). */
export const surveyApi = {
  get: (token: string, signal?: AbortSignal) => request<SurveyInfo>(path(token), { signal, skipAuthRedirect: true }),
  answer: (token: string, body: SurveyAnswer) =>
    request<{ answered_at: string; nps_category: string | null }>(path(token), { method: 'POST', body, skipAuthRedirect: true }),
};
