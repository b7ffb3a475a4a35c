/**
 * Server-rendered HTML without a template engine: `html` escapes every interpolated value
 * unless it is already Html (or an array of them), so data from Graph, devices or users can
 * never become markup. Pure.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

function render(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Markup that is already safe (constants written here, never data). */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** An https link to the outside (Microsoft Learn): anything else renders as text only. */
export function externalLink(url: string | null | undefined, text: string): Html {
  try {
    if (url && new URL(url).protocol === 'https:') {
      return html`<a href="${url}" rel="noopener noreferrer" target="_blank">${text}<span class="visually-hidden"> (opens in a new tab)</span></a>`;
    }
  } catch {
    // fall through
  }
  return html`${text}`;
}
