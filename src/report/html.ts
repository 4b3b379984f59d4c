/**
 * A little HTML builder for the reports: every string child is escaped, so text from a run (task
 * names, tokens, tags, config values, error messages) can never become markup; only `raw()` inserts
 * markup as it is, and the reports use it for the charts' SVG alone. The page is one file with its
 * CSS inline, no script, and a Content-Security-Policy that forbids loading anything.
 */

/** Markup to insert as it is. */
export class Html {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export const raw = (html: string) => new Html(html);

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text (or an attribute value) with &, <, >, " and ' escaped. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export type Child = Html | string | number | null | undefined | false | readonly Child[];

function render(child: Child): string {
  if (child === null || child === undefined || child === false) return '';
  if (child instanceof Html) return child.html;
  if (Array.isArray(child)) return child.map(render).join('');
  return esc(child);
}

/** Children joined into one piece of markup. */
export function frag(...children: Child[]): Html {
  return raw(children.map(render).join(''));
}

const NAME = /^[a-z][a-z0-9-]*$/;

/** An element; attribute values are escaped, `false`/`undefined` attributes are left out. */
export function h(tag: string, attrs: Record<string, string | number | boolean | undefined> | null, ...children: Child[]): Html {
  if (!NAME.test(tag)) throw new Error(`bad tag name ${tag}`);
  let open = `<${tag}`;
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (!NAME.test(k)) throw new Error(`bad attribute name ${k}`);
    if (v === undefined || v === false) continue;
    open += v === true ? ` ${k}` : ` ${k}="${esc(v)}"`;
  }
  return raw(`${open}>${children.map(render).join('')}</${tag}>`);
}

/** A table: a header row and body rows (a row's `class` marks it, e.g. as an average). */
export function table(head: Child[], rows: (Child[] | { cells: Child[]; class: string })[], attrs: Record<string, string> = {}): Html {
  return h(
    'table',
    attrs,
    h('thead', null, h('tr', null, head.map((c) => h('th', null, c)))),
    h(
      'tbody',
      null,
      rows.map((r) => (Array.isArray(r) ? h('tr', null, r.map((c) => h('td', null, c))) : h('tr', { class: r.class }, r.cells.map((c) => h('td', null, c))))),
    ),
  );
}

/** A chart: its caption, its SVG (rendered by charts.ts: trusted markup), and lines on what it shows. */
export function figure(id: string, caption: string, svg: string, ...notes: Child[]): Html {
  return h('figure', { class: 'chart', id: `chart-${id}`, 'data-chart': id }, h('figcaption', null, caption), raw(svg), notes.map((n) => h('p', null, n)));
}

/** A short note in place of something absent (a chart without data, a missing file). */
export const note = (text: Child) => h('p', { class: 'note' }, text);

const CSS = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 4rem; color: #1b1f23; background: #fff; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
.sub { color: #57606a; margin-top: 0; }
nav a { margin-right: .8rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .88rem; }
th, td { border: 1px solid #d0d7de; padding: .2rem .5rem; text-align: right; vertical-align: top; }
th { background: #f6f8fa; }
td:first-child, th:first-child { text-align: left; }
tr.total td { font-weight: 600; background: #f6f8fa; }
table.confusion td, table.confusion th { white-space: nowrap; }
td.zero { color: #afb8c1; }
td.diag { background: #dafbe1; }
td.off { background: #ffebe9; }
.note { color: #6e7781; font-style: italic; }
figure { margin: 1rem 0 1.6rem; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
figure p { margin: .2rem 0; color: #57606a; font-size: .85rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem 2rem; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .6rem; overflow-x: auto; font-size: .8rem; }
.sentence { margin: .8rem 0 1.2rem; }
.sentence table { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; }
.sentence td { text-align: left; }
.sentence td.bad { background: #ffebe9; color: #a40e26; font-weight: 600; }
.scroll { overflow-x: auto; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; }
dl.facts dt { color: #57606a; }
dl.facts dd { margin: 0; }
`;

/** The whole page: one file, CSS inline, no script, nothing loaded from anywhere. */
export function page(title: string, body: Child): string {
  return (
    '<!doctype html>\n' +
    frag(
      raw('<html lang="en">'),
      h(
        'head',
        null,
        raw('<meta charset="utf-8">'),
        raw('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        // Nothing may load: no script, no font, no image, no stylesheet but the inline one.
        raw(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`),
        h('title', null, title),
        h('style', null, raw(CSS)),
      ),
      h('body', null, body),
      raw('</html>\n'),
    ).html
  );
}

/** A markdown table cell's inline formatting (`**bold**`, `` `code` ``) on escaped text. */
function inline(text: string): Html {
  return raw(
    esc(text)
      .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
      .replace(/`([^`]+)`/g, '<code>$1</code>'),
  );
}

/** Cells of a markdown table row (`\|` is a pipe inside a cell). */
function mdCells(line: string): string[] {
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && body[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (body[i] === '|') {
      cells.push(cur.trim());
      cur = '';
    } else cur += body[i];
  }
  cells.push(cur.trim());
  return cells;
}

/**
 * The markdown the project writes (results.md, comparison.md: headings, paragraphs, pipe tables,
 * bold and code spans) as HTML; `#` headings become `h(level + shift)`. Anything else is text.
 */
export function markdownToHtml(md: string, shift = 1): Html {
  const out: Html[] = [];
  const lines = md.split(/\r?\n/);
  let para: string[] = [];
  const flush = () => {
    if (para.length > 0) out.push(h('p', null, inline(para.join(' '))));
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, heading[1]!.length + shift);
      out.push(h(`h${level}`, null, inline(heading[2]!)));
    } else if (line.trim().startsWith('|')) {
      flush();
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.trim().startsWith('|')) {
        const cells = mdCells(lines[i]!);
        if (!cells.every((c) => /^:?-{3,}:?$/.test(c))) rows.push(cells);
        i++;
      }
      i--;
      const [head, ...body] = rows;
      out.push(h('div', { class: 'scroll' }, table((head ?? []).map(inline), body.map((r) => r.map(inline)))));
    } else if (line.trim() === '') flush();
    else para.push(line.trim());
  }
  flush();
  return frag(out);
}
