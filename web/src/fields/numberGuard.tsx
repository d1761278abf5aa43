/**
 * Number inputs never drop what was typed silently.
 *
 * antd's InputNumber ignores text it cannot parse and, on leaving the field, puts back the last
 * number: "12abc" became 12 and "一百" nothing, without a word. The guard refuses keystrokes and
 * pastes that cannot be part of a number, and says so under the input; text that still gets in
 * (an input method's composition) is flagged the same way until the next valid input.
 */
import { InputNumber, Space, type InputNumberProps } from 'antd';
import { useState, type ClipboardEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n';

/** Characters that can appear in a number as typed (digits, signs, separators, exponent). */
const NUMBER_CHAR = /^[0-9.,\-+eE]$/;

/**
 * Is the text a number, or the start of one while typing ("-", "1.")? Empty counts as valid.
 * Judged on the raw text: antd's parser strips what it does not know (so "一百" would read as
 * empty, and the field would be cleared without a word).
 */
export function isNumberText(text: string): boolean {
  const s = text.replace(/[\s,]+/g, '');
  return s === '' || /^[-+]?(\d+\.?\d*|\.\d*)?([eE][-+]?\d*)?$/.test(s);
}

/** Would this keystroke put a character into the input that no number contains? */
export function refusesKey(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>): boolean {
  return e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && !NUMBER_CHAR.test(e.key);
}

export interface NumberGuard {
  /** Spread onto the InputNumber. */
  inputProps: {
    onKeyDown: (e: KeyboardEvent<HTMLInputElement>) => void;
    onPaste: (e: ClipboardEvent<HTMLInputElement>) => void;
    onInput: (text: string) => void;
    status?: 'warning';
  };
  /** The refusal, to render under the input (null when there is none). */
  message: ReactNode;
}

export function useNumberGuard(): NumberGuard {
  const { t } = useI18n();
  const [refused, setRefused] = useState<string | null>(null);
  return {
    inputProps: {
      onKeyDown: (e) => {
        if (!refusesKey(e)) return;
        e.preventDefault();
        setRefused(e.key);
      },
      onPaste: (e) => {
        const text = e.clipboardData.getData('text');
        if (isNumberText(text)) return;
        e.preventDefault();
        setRefused(text);
      },
      onInput: (text) => setRefused(isNumberText(text) ? null : text),
      status: refused === null ? undefined : 'warning',
    },
    message:
      refused === null ? null : (
        <div className="ky-number-refused" role="alert">
          {t('field.notANumber', { text: refused.trim() || refused })}
        </div>
      ),
  };
}

/** An InputNumber with the guard and its message under it (for places with no other layout). */
export function GuardedInputNumber(props: InputNumberProps<number>) {
  const guard = useNumberGuard();
  return (
    <>
      <InputNumber<number> {...props} {...guard.inputProps} />
      {guard.message}
    </>
  );
}

/** A from–to pair of guarded number inputs, side by side, their messages below. */
export function GuardedNumberRange({
  value,
  onChange,
  placeholders,
}: {
  value: [number | null, number | null];
  onChange: (v: [number | null, number | null]) => void;
  placeholders: [string, string];
}) {
  const from = useNumberGuard();
  const to = useNumberGuard();
  const [a, b] = value;
  return (
    <>
      <Space.Compact className="ky-fullwidth">
        <InputNumber<number> className="ky-fullwidth" placeholder={placeholders[0]} value={a} onChange={(x) => onChange([x, b])} {...from.inputProps} />
        <InputNumber<number> className="ky-fullwidth" placeholder={placeholders[1]} value={b} onChange={(x) => onChange([a, x])} {...to.inputProps} />
      </Space.Compact>
      {from.message}
      {to.message}
    </>
  );
}
