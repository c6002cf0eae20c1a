// Incident and maintenance bodies are Markdown written by people (and by Vigie's drafts). They are
// rendered with markdown-it with raw HTML disabled: its documented safe mode, where every "<" in the
// input comes out escaped, so no sanitizer is needed after it. On top of its default link filter
// (no javascript:, vbscript:, file:, data:), links are limited to http(s), mailto and same-site
// paths, images are off (no tracking pixels on the status page), and links get rel="nofollow noopener".
import { createRequire } from 'node:module';
import type MarkdownIt from 'markdown-it';

let parser: MarkdownIt | undefined;

/**
 * Built on the first body rendered, not when the module loads: loading markdown-it and compiling
 * linkify's patterns cost ~0.2 s of CPU at start-up, before any page is rendered (and a page without
 * incidents never needs it). Its CommonJS build, required synchronously: renderMarkdown stays sync.
 */
function markdown(): MarkdownIt {
  if (parser) return parser;
  const Ctor = createRequire(import.meta.url)('markdown-it') as typeof MarkdownIt;
  const md = new Ctor('default', { html: false, linkify: true, typographer: false, breaks: true });
  md.disable(['image']);
  const defaultValidate = md.validateLink.bind(md);
  md.validateLink = (url: string) => {
    const u = url.trim();
    const allowed = /^(https?:|mailto:)/i.test(u) || /^[/#](?!\/)/.test(u);
    return allowed && defaultValidate(u);
  };
  const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx]!.attrSet('rel', 'nofollow noopener noreferrer');
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  return (parser = md);
}

/** Safe HTML for a Markdown body. */
export function renderMarkdown(body: string): string {
  return markdown().render(body);
}

/** Plain text of a Markdown body (for feeds, notifications and Statuspage's `body`). */
export function markdownToText(body: string): string {
  return body
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`]{1,3}([^*_`]+)[*_`]{1,3}/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+])\s+/gm, '')
    .trim();
}
