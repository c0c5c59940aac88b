// The fenced code blocks of a Markdown document, as a reader copies them.

export interface CodeBlock {
  /** The fence's info string: its language, then any words after it (`sh no-test`). */
  info: string[];
  /** The line of the opening fence, counted from 1. */
  line: number;
  code: string;
}

/** Every block fenced with three backticks, in document order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let open: CodeBlock | undefined;
  const lines = markdown.split('\n');
  lines.forEach((text, i) => {
    const fence = /^```(.*)$/.exec(text);
    if (!fence) {
      if (open) open.code += `${text}\n`;
    } else if (open) {
      blocks.push(open);
      open = undefined;
    } else {
      open = { info: fence[1].trim().split(/\s+/).filter(Boolean), line: i + 1, code: '' };
    }
  });
  if (open) throw new Error(`the code block at line ${open.line} is never closed`);
  return blocks;
}
