// The fenced code blocks of a Markdown document, as a reader copies them (markdown-it's parse).
import MarkdownIt from 'markdown-it';

export interface CodeBlock {
  /** The fence's info string: its language, then any words after it (`sh no-test`). */
  info: string[];
  /** The line of the opening fence, counted from 1. */
  line: number;
  code: string;
}

/** Every fenced block, in document order, however deep in lists or quotes. */
export function codeBlocks(markdown: string): CodeBlock[] {
  return new MarkdownIt().parse(markdown, {}).filter((t) => t.type === 'fence').map((t) => ({
    info: t.info.trim().split(/\s+/).filter(Boolean),
    line: (t.map?.[0] ?? 0) + 1,
    code: t.content,
  }));
}
