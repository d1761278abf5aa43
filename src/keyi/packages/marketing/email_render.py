"""Email templates: what a template may say, how it is checked at save and rendered per person.

**Merge fields** (the whole namespace; anything else is refused at save):

- ``recipient.<field>`` — any field of the recipient by API name, for a contact or a lead
  (``{{ recipient.name }}``, ``{{ recipient.email }}``); a field the recipient's object lacks
  renders empty (a lead has no ``account``).
- ``account.<field>`` — the contact's account (``{{ account.name }}``); for a lead, ``name`` is
  the lead's ``company`` and the rest is empty.
- ``sender.name``, ``sender.email``, ``sender.company`` — the campaign's From and the tenant.
- ``unsubscribe_url`` — the recipient's one-click unsubscribe page.

**What a template may contain**: text, those fields, the filters in ``FILTERS`` and
``{% if %}``/``{% elif %}``/``{% else %}`` with comparisons, ``and``/``or``/``not`` and the
``defined``/``none`` tests. Nothing else — no calls, no loops, no ``{% set %}``, no
arithmetic, no attribute of a merge field (``{{ recipient.name.upper }}``) and no name starting
with ``_`` — so the classic template-injection payloads (``{{ ''.__class__ }}``,
``{{ cycler.__init__.__globals__ }}``, ``{{ self._TemplateReference__context }}``) are refused
at save with a 422 naming the field, before they ever reach the sandbox. They would fail there
too: rendering runs in Jinja2's ``ImmutableSandboxedEnvironment`` with no globals,
``StrictUndefined`` and HTML autoescape (a recipient called ``<script>`` stays text).

**Blocks** (``email_template.blocks``, the editor's structure; when present it is the source
of ``body_html``, which the save makes from it)::

    [{"type": "heading", "text": "新品发布", "level": 1},          # level 1 or 2
     {"type": "text", "text": "您好 {{ recipient.name }}，\\n…"},   # blank line: new paragraph
     {"type": "image", "src": "https://…/a.png", "alt": "…", "href": "https://…"},
     {"type": "button", "text": "立即报名", "href": "https://…", "color": "#1677ff"},
     {"type": "divider"}]

Texts may hold merge fields; ``href`` and ``src`` are http(s) addresses (an ``href`` may also
be ``{{ unsubscribe_url }}``). The HTML made is table-based with inline styles, as mail
programs need.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from keyi.platform.errors import FieldError
from keyi.platform.i18n import MESSAGES
from keyi.platform.notify.templates import date_filter, datetime_filter, money_filter

__all__ = [
    "ROOTS",
    "Rendered",
    "blocks_to_html",
    "html_to_text",
    "render_email",
    "rewrite_links",
    "validate_blocks",
    "validate_source",
]

MAX_SOURCE_CHARS = 200_000
MAX_BLOCKS = 200
ROOTS = ("recipient", "account", "sender", "unsubscribe_url")
SENDER_FIELDS = frozenset({"name", "email", "company"})
FILTERS = frozenset(
    {"default", "upper", "lower", "title", "capitalize", "trim", "truncate", "escape", "e"}
    | {"date", "datetime", "money"}
)
TESTS = frozenset({"defined", "undefined", "none"})
BLOCK_TYPES = ("heading", "text", "image", "button", "divider")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+$")
EXPRESSION_RE = re.compile(r"({{.*?}}|{%.*?%})", re.S)

MESSAGES.update(
    {
        "template_not_allowed": {
            "en": "Not allowed in an email template: {construct}.",
            "zh-CN": "邮件模板中不允许使用：{construct}。",
        },
        "invalid_block": {
            "en": "Block {index}: {reason}",
            "zh-CN": "第 {index} 个内容块：{reason}",
        },
        "template_render_failed": {
            "en": "The template could not be rendered: {reason}",
            "zh-CN": "模板无法渲染：{reason}",
        },
    }
)


# ------------------------------------------------------------------ the sandbox
def _finalize(value: Any) -> Any:
    return "" if value is None else value


@lru_cache(maxsize=2)
def _environment(autoescape: bool) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        autoescape=autoescape,
        undefined=StrictUndefined,
        finalize=_finalize,
        auto_reload=False,
    )
    env.globals.clear()  # no range, cycler, joiner, lipsum, namespace, dict
    kept = {name: env.filters[name] for name in FILTERS if name in env.filters}
    env.filters.clear()
    env.filters.update(kept)
    env.filters.update(money=money_filter, date=date_filter, datetime=datetime_filter)
    env.tests = {name: env.tests[name] for name in TESTS}
    return env


@lru_cache(maxsize=256)
def _compiled(autoescape: bool, source: str) -> Any:
    return _environment(autoescape).from_string(source)


# ------------------------------------------------------------------ validation
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Const,
    nodes.If,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Concat,
)


def _construct(node: nodes.Node) -> str:
    """A node's name as a template writer knows it."""
    names = {
        "Call": "function calls",
        "For": "{% for %}",
        "Assign": "{% set %}",
        "AssignBlock": "{% set %}",
        "Macro": "{% macro %}",
        "Include": "{% include %}",
        "Extends": "{% extends %}",
        "Import": "{% import %}",
        "FromImport": "{% from %}",
        "Block": "{% block %}",
        "FilterBlock": "{% filter %}",
        "With": "{% with %}",
        "CallBlock": "{% call %}",
    }
    return names.get(type(node).__name__, type(node).__name__)


class _Checker:
    """Walks a parsed template and collects what the namespace does not allow."""

    def __init__(self, fields: Mapping[str, frozenset[str]]) -> None:
        self.fields = fields
        self.problems: list[tuple[str, dict[str, Any]]] = []

    def refuse(self, construct: str) -> None:
        self.problems.append(("template_not_allowed", {"construct": construct}))

    def unknown(self, name: str) -> None:
        self.problems.append(("unknown_merge_field", {"name": name}))

    def visit(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Name):
            if node.name.startswith("_"):
                self.refuse(node.name)
            elif node.name != "unsubscribe_url":
                self.unknown(node.name)
            return
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            self._field(node)
            return
        if isinstance(node, nodes.Filter):
            if node.name not in FILTERS:
                self.refuse(f"| {node.name}")
            self._children(node)
            return
        if isinstance(node, nodes.Test):
            if node.name not in TESTS:
                self.refuse(f"is {node.name}")
            self._children(node)
            return
        if not isinstance(node, _ALLOWED_NODES):
            self.refuse(_construct(node))
            return
        self._children(node)

    def _children(self, node: nodes.Node) -> None:
        for child in node.iter_child_nodes():
            self.visit(child)

    def _field(self, node: nodes.Getattr | nodes.Getitem) -> None:
        """``root.field`` (or ``root['field']``): one level, a known root and field."""
        if isinstance(node, nodes.Getattr):
            attr: Any = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            attr = node.arg.value
        else:
            self.refuse("[…]")
            return
        if str(attr).startswith("_"):
            self.refuse(str(attr))
            return
        target = node.node
        if not isinstance(target, nodes.Name) or target.name not in self.fields:
            name = target.name if isinstance(target, nodes.Name) else None
            if name is not None and name.startswith("_"):
                self.refuse(name)
            elif isinstance(target, nodes.Name):
                self.unknown(f"{name}.{attr}")
            else:
                self.refuse(f"….{attr}")
            return
        if attr not in self.fields[target.name]:
            self.unknown(f"{target.name}.{attr}")


def validate_source(
    where: str, source: Any, *, fields: Mapping[str, frozenset[str]], html_body: bool
) -> list[FieldError]:
    """Every problem with one template source (a subject or an HTML body), without rendering.

    ``fields`` maps the roots ``recipient``, ``account``, ``sender`` to the fields they have."""
    if source is None or source == "":
        return []
    if not isinstance(source, str):
        return [FieldError(where, "invalid_text")]
    if len(source) > MAX_SOURCE_CHARS:
        return [FieldError(where, "too_long", {"max": MAX_SOURCE_CHARS})]
    env = _environment(html_body)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        return [
            FieldError(where, "invalid_template", {"line": exc.lineno, "reason": exc.message or ""})
        ]
    checker = _Checker(fields)
    checker.visit(tree)
    seen: set[tuple[str, str]] = set()
    errors = []
    for code, params in checker.problems:
        key = (code, str(sorted(params.items())))
        if key not in seen:
            seen.add(key)
            errors.append(FieldError(where, code, params))
    if not errors:
        try:
            env.compile(source)
        except TemplateSyntaxError as exc:
            errors.append(
                FieldError(
                    where, "invalid_template", {"line": exc.lineno, "reason": exc.message or ""}
                )
            )
    return errors


# ------------------------------------------------------------------ blocks
def _literal_escaped(text: str) -> str:
    """Block text as HTML source: the text escaped, the merge expressions kept as they are
    (they are escaped when rendered)."""
    parts = EXPRESSION_RE.split(text)
    return "".join(part if i % 2 else html.escape(part, quote=True) for i, part in enumerate(parts))


def _url_ok(value: Any, *, merge: bool) -> bool:
    if not isinstance(value, str):
        return False
    if merge and value.strip() in ("{{ unsubscribe_url }}", "{{unsubscribe_url}}"):
        return True
    return bool(URL_RE.match(value)) and len(value) <= 2000


def validate_blocks(blocks: Any) -> list[FieldError]:
    """Every problem with a block list (see the module for the shape)."""
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return [FieldError("blocks", "invalid_block", {"index": 0, "reason": "not a list"})]
    if len(blocks) > MAX_BLOCKS:
        return [FieldError("blocks", "too_long", {"max": MAX_BLOCKS})]
    errors = []
    for index, block in enumerate(blocks, start=1):

        def bad(reason: str, index: int = index) -> None:
            errors.append(FieldError("blocks", "invalid_block", {"index": index, "reason": reason}))

        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            bad("type must be one of " + ", ".join(BLOCK_TYPES))
            continue
        kind = block["type"]
        if kind in ("heading", "text", "button"):
            text = block.get("text")
            if not isinstance(text, str) or not text.strip() or len(text) > 20_000:
                bad("text is required")
        if kind == "heading" and block.get("level", 1) not in (1, 2):
            bad("level must be 1 or 2")
        if kind == "image":
            if not _url_ok(block.get("src"), merge=False):
                bad("src must be an http(s) address")
            if block.get("href") not in (None, "") and not _url_ok(block.get("href"), merge=True):
                bad("href must be an http(s) address")
            if not isinstance(block.get("alt", ""), str):
                bad("alt must be text")
        if kind == "button":
            if not _url_ok(block.get("href"), merge=True):
                bad("href must be an http(s) address")
            color = block.get("color")
            if color is not None and not (isinstance(color, str) and COLOR_RE.match(color)):
                bad("color must be #rrggbb")
    return errors


_P = 'style="margin:0 0 12px;font-size:15px;line-height:1.6;color:#333333"'


def _block_html(block: Mapping[str, Any]) -> str:
    kind = block["type"]
    if kind == "heading":
        size = 24 if block.get("level", 1) == 1 else 19
        text = _literal_escaped(block["text"])
        level = block.get("level", 1)
        style = f"margin:0 0 16px;font-size:{size}px;color:#111111"
        return f'<h{level} style="{style}">{text}</h{level}>'
    if kind == "text":
        paragraphs = [p for p in re.split(r"\n\s*\n", block["text"]) if p.strip()]
        return "".join(
            f"<p {_P}>{_literal_escaped(p).replace(chr(10), '<br>')}</p>" for p in paragraphs
        )
    if kind == "image":
        src = html.escape(block["src"], quote=True)
        alt = html.escape(str(block.get("alt") or ""), quote=True)
        image = f'<img src="{src}" alt="{alt}" style="display:block;max-width:100%;border:0">'
        href = block.get("href")
        if href:
            return f'<a href="{_literal_escaped(href)}">{image}</a>'
        return image
    if kind == "button":
        color = block.get("color") or "#1677ff"
        return (
            '<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 16px">'
            f'<tr><td style="background:{color};border-radius:4px">'
            f'<a href="{_literal_escaped(block["href"])}" style="display:inline-block;'
            'padding:10px 20px;color:#ffffff;text-decoration:none;font-size:15px">'
            f"{_literal_escaped(block['text'])}</a></td></tr></table>"
        )
    return '<hr style="border:0;border-top:1px solid #e5e5e5;margin:16px 0">'


def blocks_to_html(blocks: Iterable[Mapping[str, Any]]) -> str:
    """The HTML body (a template source: merge fields render later) of validated blocks."""
    inner = "".join(f'<tr><td style="padding:0 24px">{_block_html(b)}</td></tr>' for b in blocks)
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        'style="background:#f5f5f5"><tr><td align="center" style="padding:24px 0">'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" '
        "style=\"max-width:600px;background:#ffffff;font-family:Arial,'PingFang SC',"
        "'Microsoft YaHei',sans-serif\">"
        f'<tr><td style="height:24px"></td></tr>{inner}<tr><td style="height:24px"></td></tr>'
        "</table></td></tr></table>"
    )


# ------------------------------------------------------------------ rendering
@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


class RenderFailed(Exception):
    """A saved template that no longer renders (a field deleted since): ``part`` says where."""

    def __init__(self, part: str, reason: str) -> None:
        self.part = part
        self.reason = reason
        super().__init__(f"{part}: {reason}")


def _render(part: str, source: str, autoescape: bool, values: Mapping[str, Any]) -> str:
    try:
        return str(_compiled(autoescape, source).render(values))
    except SecurityError as exc:
        raise RenderFailed(part, f"not allowed: {exc}") from None
    except TemplateError as exc:
        raise RenderFailed(part, exc.message or type(exc).__name__) from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise RenderFailed(part, f"{type(exc).__name__}: {exc}") from None


_HREF_RE = re.compile(r'(<a\b[^>]*?\bhref\s*=\s*)(["\'])(https?://[^"\']+)\2', re.I)


def rewrite_links(body: str, tracked: Callable[[str], str], *, keep: Iterable[str] = ()) -> str:
    """Every http(s) link of ``<a href>`` through ``tracked`` (the click redirect), except the
    addresses in ``keep`` (the unsubscribe link goes straight to its page)."""
    kept = set(keep)

    def swap(match: re.Match[str]) -> str:
        url = html.unescape(match.group(3))
        if url in kept:
            return match.group(0)
        quote = match.group(2)
        return f"{match.group(1)}{quote}{html.escape(tracked(url), quote=True)}{quote}"

    return _HREF_RE.sub(swap, body)


class _Text(HTMLParser):
    """HTML to the plain-text part: text, line breaks at blocks, links as ``text (url)``."""

    BREAKS = frozenset({"p", "br", "tr", "h1", "h2", "h3", "div", "hr", "li"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.href: str | None = None
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head"):
            self.skip += 1
        if tag in self.BREAKS:
            self.out.append("\n")
        if tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self.skip = max(0, self.skip - 1)
        if tag == "a" and self.href:
            self.out.append(f" ({self.href})")
            self.href = None
        if tag in ("p", "h1", "h2", "h3"):
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_to_text(body: str) -> str:
    parser = _Text()
    parser.feed(body)
    text = "".join(parser.out)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def render_email(subject: str, body_html: str, values: Mapping[str, Any]) -> Rendered:
    """Subject (one line, not escaped: it is a header) and HTML body for one recipient, and the
    plain-text part made from the HTML. Raises RenderFailed."""
    rendered_subject = " ".join(_render("subject", subject, False, values).split())
    body = _render("body_html", body_html or "", True, values)
    return Rendered(subject=rendered_subject, html=body, text=html_to_text(body))
