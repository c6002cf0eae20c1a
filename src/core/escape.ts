/** Text or attribute value for HTML and SVG (both quote styles of attribute are safe: we only write "). */
export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
