/** Pages for refusals and failures: what happened and what the person can do. */
import { type Html, html } from '../html.js';

export function messageBody(heading: string, text: string, extra?: Html): Html {
  return html`<h1>${heading}</h1><div class="notice bad" role="alert"><p>${text}</p></div>${extra ?? ''}`;
}
