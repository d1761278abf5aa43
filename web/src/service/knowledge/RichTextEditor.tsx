/**
 * A small rich-text editor: a contenteditable area and a toolbar (bold, italic, heading, lists,
 * link, clear formatting) for knowledge articles.
 *
 * Why not a package: the maintained React 18 editors (TipTap/ProseMirror, Lexical, Quill) add
 * 100–300 kB to the bundle for features an article does not use; this is a few kB, loaded only
 * with the knowledge screens. What it produces is not trusted: the server sanitises every body
 * on save (nh3, keyi.packages.service.knowledge), so a pasted script or `javascript:` link is
 * dropped there whatever the browser sent. Pasting inserts plain text, so formatting copied
 * from elsewhere (and its styles) does not come along.
 */
import { BoldOutlined, ClearOutlined, FontSizeOutlined, ItalicOutlined, LinkOutlined, OrderedListOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { Button, Space, Tooltip } from 'antd';
import { useEffect, useRef, type ClipboardEvent, type ReactNode } from 'react';
import '../../i18n/service-knowledge';
import { useI18n } from '../../i18n';

export interface RichTextEditorProps {
  value: string;
  onChange: (html: string) => void;
  /** The accessible name of the editing area. */
  label: string;
  disabled?: boolean;
}

/** A formatting command of the toolbar (document.execCommand's names). */
export type Command = 'insertText' | 'bold' | 'italic' | 'formatBlock' | 'insertUnorderedList' | 'insertOrderedList' | 'createLink' | 'removeFormat';

/** Run a command on the selection; false where the browser has none (jsdom in tests). */
export function runCommand(command: Command, argument?: string): boolean {
  if (typeof document.execCommand !== 'function') return false;
  return document.execCommand(command, false, argument);
}

/** Only web and mail links are offered (the server drops any other scheme too). */
export function safeLink(raw: string | null): string | null {
  const value = (raw ?? '').trim();
  if (!value) return null;
  return /^(https?:\/\/|mailto:)/i.test(value) ? value : null;
}

export function RichTextEditor({ value, onChange, label, disabled }: RichTextEditorProps) {
  const { t } = useI18n();
  const area = useRef<HTMLDivElement>(null);
  // The area is uncontrolled while typing (React would move the caret): it takes `value` only
  // when that differs from what it holds (a new article loaded, a reset).
  useEffect(() => {
    const el = area.current;
    if (el && el.innerHTML !== value) el.innerHTML = value;
  }, [value]);

  const changed = () => {
    if (area.current) onChange(area.current.innerHTML);
  };
  const apply = (command: Command, argument?: string) => {
    area.current?.focus();
    runCommand(command, argument);
    changed();
  };
  const link = () => {
    const href = safeLink(window.prompt(t('knowledge.editor.linkPrompt'), 'https://'));
    if (href) apply('createLink', href);
  };
  const paste = (event: ClipboardEvent<HTMLDivElement>) => {
    event.preventDefault();
    const text = event.clipboardData.getData('text/plain');
    if (!runCommand('insertText', text) && area.current) area.current.append(text);
    changed();
  };
  const button = (key: string, icon: ReactNode, title: string, onClick: () => void) => (
    <Tooltip key={key} title={title}>
      <Button size="small" type="text" icon={icon} aria-label={title} disabled={disabled} onMouseDown={(e) => e.preventDefault()} onClick={onClick} />
    </Tooltip>
  );

  return (
    <div className="ky-rte">
      <Space size={2} className="ky-rte-toolbar" role="toolbar" aria-label={label}>
        {button('bold', <BoldOutlined />, t('knowledge.editor.bold'), () => apply('bold'))}
        {button('italic', <ItalicOutlined />, t('knowledge.editor.italic'), () => apply('italic'))}
        {button('heading', <FontSizeOutlined />, t('knowledge.editor.heading'), () => apply('formatBlock', '<h3>'))}
        {button('bullets', <UnorderedListOutlined />, t('knowledge.editor.bullets'), () => apply('insertUnorderedList'))}
        {button('numbers', <OrderedListOutlined />, t('knowledge.editor.numbers'), () => apply('insertOrderedList'))}
        {button('link', <LinkOutlined />, t('knowledge.editor.link'), link)}
        {button('clear', <ClearOutlined />, t('knowledge.editor.clear'), () => apply('removeFormat'))}
      </Space>
      <div
        ref={area}
        className="ky-rte-area ky-article-body"
        role="textbox"
        aria-multiline="true"
        aria-label={label}
        contentEditable={!disabled}
        suppressContentEditableWarning
        onInput={changed}
        onBlur={changed}
        onPaste={paste}
      />
    </div>
  );
}

export default RichTextEditor;
