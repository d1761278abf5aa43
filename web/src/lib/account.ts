/**
 * The signed-in person's own account (profile, password, two-factor sign-in) and the
 * forgotten-password flow. Kept out of api/endpoints.ts so it loads only with these pages.
 */
import { request } from '../api/client';
import type {
  ChangePasswordBody,
  ForgotPasswordBody,
  PasswordBody,
  ProfileBody,
  ResetPasswordBody,
  Session,
  TotpCodeBody,
} from '../api/types';

export interface TotpSetup {
  secret: string;
  /** otpauth:// URI an authenticator app reads from the QR code. */
  uri: string;
}

/** The profile fields a person may change (name, phone, language). */
export type ProfileInput = ProfileBody;

export const accountApi = {
  /** Always answers 202, known email or not. */
  forgotPassword(email: string) {
    return request<void>('/api/v1/auth/password/forgot', { method: 'POST', body: { email } satisfies ForgotPasswordBody, skipAuthRedirect: true });
  },
  resetPassword(token: string, password: string) {
    return request<void>('/api/v1/auth/password/reset', { method: 'POST', body: { token, password } satisfies ResetPasswordBody, skipAuthRedirect: true });
  },
  changePassword(currentPassword: string, password: string) {
    return request<void>('/api/v1/auth/password/change', {
      method: 'POST',
      body: { current_password: currentPassword, password } satisfies ChangePasswordBody,
    });
  },
  updateProfile(values: ProfileInput) {
    return request<Session>('/api/v1/me', { method: 'PATCH', body: values });
  },
  security() {
    return request<{ totp_enabled: boolean; has_password: boolean }>('/api/v1/me/security');
  },
  totpSetup() {
    return request<TotpSetup>('/api/v1/auth/totp/setup', { method: 'POST' });
  },
  totpEnable(code: string) {
    return request<void>('/api/v1/auth/totp/enable', { method: 'POST', body: { code } satisfies TotpCodeBody });
  },
  totpDisable(password: string) {
    return request<void>('/api/v1/auth/totp/disable', { method: 'POST', body: { password } satisfies PasswordBody });
  },
};

/** The reset token from a link's query string (?token=…). */
export function resetTokenFrom(search: string): string | null {
  const token = new URLSearchParams(search).get('token');
  return token && token.length >= 10 ? token : null;
}
