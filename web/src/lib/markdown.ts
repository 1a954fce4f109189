// The assistant's markdown, rendered as untrusted text.
//
// A model's answer can carry text it read from a business name or a Stripe description, so
// this renderer is a sanitizer by construction: it builds a fixed set of elements (p, br,
// strong, em, code, pre, ul, ol, li, h3-h6, blockquote, table) with createElement and puts every
// piece of text in a text node; no HTML string is ever parsed. Images are never loaded (the
// alt text is shown instead), and a link becomes an <a> only when it is https and its host is
// one of the knowledge sources Vaultra cites (WebConfig.source_hosts); anything else stays
// visible as plain text.
import { append, h } from './dom';

export interface LinkPolicy {
  hosts: ReadonlySet<string>;
  documents: ReadonlyMap<string, { title: string; url: string }>;
  /** Links already made in this answer: a "[doc: id]" citation of one adds nothing. */
  linked?: Set<string>;
}

export function allowedUrl(raw: string, policy: LinkPolicy): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.username || url.password) return null;
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  return policy.hosts.has(host) ? url : null;
}

function link(text: string, raw: string, policy: LinkPolicy): Node {
  const url = allowedUrl(raw, policy);
  if (!url) return document.createTextNode(text === raw ? raw : `${text} (${raw})`);
  policy.linked?.add(url.href);
  const a = h('a', { href: url.href, rel: 'noopener noreferrer nofollow', target: '_blank', class: 'source-link' });
  append(a, text);
  return a;
}

interface InlineRule {
  pattern: RegExp;
  render: (match: RegExpExecArray, policy: LinkPolicy) => Node;
}

const INLINE: InlineRule[] = [
  { pattern: /`([^`\n]+)`/, render: (m) => h('code', {}, m[1] ?? '') },
  {
    pattern: /!\[([^\]\n]*)\]\(([^)\s]*)(?:\s+"[^"\n]*")?\)/,
    render: (m) => h('span', { class: 'image-placeholder' }, `[image not shown${m[1] ? `: ${m[1]}` : ''}]`),
  },
  {
    pattern: /\[([^\]\n]+)\]\(([^)\s]+)(?:\s+"[^"\n]*")?\)/,
    render: (m, policy) => link(m[1] ?? '', m[2] ?? '', policy),
  },
  {
    pattern: /\[doc: ([a-z0-9][a-z0-9-]*)\]/,
    render: (m, policy) => {
      const doc = policy.documents.get(m[1] ?? '');
      if (!doc) return document.createTextNode(m[0]);
      const href = allowedUrl(doc.url, policy)?.href;
      return href && policy.linked?.has(href) ? document.createTextNode('') : link(doc.title, doc.url, policy);
    },
  },
  { pattern: /https?:\/\/[^\s<>()[\]"']*[^\s<>()[\]"'.,;:!?]/, render: (m, policy) => link(m[0], m[0], policy) },
  { pattern: /\*\*([^*\n]+)\*\*|__([^_\n]+)__/, render: (m, policy) => inline(h('strong'), m[1] ?? m[2] ?? '', policy) },
  { pattern: /(?<![\w*])\*([^*\n]+)\*(?!\*)|(?<![\w_])_([^_\n]+)_(?![\w_])/, render: (m, policy) => inline(h('em'), m[1] ?? m[2] ?? '', policy) },
];

/** Appends ``text`` to ``parent`` with inline markup turned into elements. */
export function inline<T extends Node>(parent: T, text: string, policy: LinkPolicy): T {
  let rest = text;
  while (rest) {
    let best: { match: RegExpExecArray; rule: InlineRule } | null = null;
    for (const rule of INLINE) {
      const match = rule.pattern.exec(rest);
      if (match && (!best || match.index < best.match.index)) best = { match, rule };
    }
    if (!best) {
      append(parent, rest);
      break;
    }
    append(parent, rest.slice(0, best.match.index));
    parent.appendChild(best.rule.render(best.match, policy));
    rest = rest.slice(best.match.index + best.match[0].length);
  }
  return parent;
}

const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,3}[.)]\s+(.*)$/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const FENCE = /^\s*```/;
const QUOTE = /^\s*>\s?(.*)$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_RULE = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

function table(lines: string[], policy: LinkPolicy): HTMLTableElement {
  const [head, , ...body] = lines;
  const headRow = h('tr', {}, ...cells(head ?? '').map((c) => inline(h('th', { scope: 'col' }), c, policy)));
  const rows = body.map((line) => h('tr', {}, ...cells(line).map((c) => inline(h('td'), c, policy))));
  return h('table', { class: 'md-table' }, h('thead', {}, headRow), h('tbody', {}, ...rows));
}

function paragraph(lines: string[], policy: LinkPolicy): HTMLParagraphElement {
  const p = h('p');
  lines.forEach((line, i) => {
    if (i) p.appendChild(h('br'));
    inline(p, line, policy);
  });
  return p;
}

/** The answer as a fragment of safe elements. */
export function renderMarkdown(source: string, shared: LinkPolicy): DocumentFragment {
  const policy: LinkPolicy = { ...shared, linked: new Set() };
  const out = document.createDocumentFragment();
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  const take = (test: (line: string) => boolean): string[] => {
    const taken: string[] = [];
    while (i < lines.length && test(lines[i] ?? '')) taken.push(lines[i++] ?? '');
    return taken;
  };
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (!line.trim()) {
      i++;
    } else if (FENCE.test(line)) {
      i++;
      const code = take((l) => !FENCE.test(l));
      i++;
      out.appendChild(h('pre', {}, h('code', {}, code.join('\n'))));
    } else if (HEADING.test(line)) {
      const [, marks = '#', text = ''] = HEADING.exec(line) ?? [];
      const level = Math.min(6, marks.length + 2) as 3 | 4 | 5 | 6;
      out.appendChild(inline(h(`h${level}`), text, policy));
      i++;
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      const ordered = !BULLET.test(line);
      const pattern = ordered ? NUMBERED : BULLET;
      const items = take((l) => pattern.test(l));
      const list = h(ordered ? 'ol' : 'ul');
      for (const item of items) list.appendChild(inline(h('li'), pattern.exec(item)?.[1] ?? '', policy));
      out.appendChild(list);
    } else if (QUOTE.test(line)) {
      const quoted = take((l) => QUOTE.test(l)).map((l) => QUOTE.exec(l)?.[1] ?? '');
      out.appendChild(h('blockquote', {}, paragraph(quoted, policy)));
    } else if (TABLE_ROW.test(line) && TABLE_RULE.test(lines[i + 1] ?? '')) {
      out.appendChild(table(take((l) => TABLE_ROW.test(l) || TABLE_RULE.test(l)), policy));
    } else {
      const block = take((l) => !!l.trim() && !FENCE.test(l) && !HEADING.test(l) && !BULLET.test(l) && !NUMBERED.test(l) && !QUOTE.test(l));
      out.appendChild(paragraph(block, policy));
    }
  }
  return out;
}

export function policyFrom(config: { source_hosts: string[]; documents: { doc_id: string; title: string; url: string }[] }): LinkPolicy {
  return {
    hosts: new Set(config.source_hosts),
    documents: new Map(config.documents.map((d) => [d.doc_id, { title: d.title, url: d.url }])),
  };
}
