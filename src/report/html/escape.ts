/** Text for HTML and SVG content and attribute values: prompts and ids are the user's. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/**
 * JSON inside <script type="application/json">: `<` escaped so that no prompt can close the
 * script element, and U+2028/2029 so that older parsers read it too.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}
