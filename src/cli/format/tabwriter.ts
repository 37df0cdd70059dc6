// Go's text/tabwriter as the docker CLI configures it for tables:
// NewWriter(out, minwidth 10, tabwidth 1, padding 3, ' ', 0). Cells are
// tab-terminated; the text after a line's last tab is not part of a column.
// A column block is a run of adjacent lines that have that cell, so widths
// are per block exactly as Go computes them.

interface Cell {
  text: string;
  width: number;
}

export interface TabOptions {
  minwidth?: number;
  padding?: number;
}

/** Go counts runes: code points, which differ from UTF-16 units only where there are surrogate pairs. */
function runeCount(t: string): number {
  return SURROGATE.test(t) ? [...t].length : t.length;
}
const SURROGATE = /[\uD800-\uDFFF]/;

export function tabwrite(text: string, opts: TabOptions = {}): string {
  const minwidth = opts.minwidth ?? 10;
  const padding = opts.padding ?? 3;
  const trailingNewline = text.endsWith('\n');
  const rawLines = (trailingNewline ? text.slice(0, -1) : text).split('\n');
  const lines: Cell[][] = rawLines.map((l) => l.split('\t').map((t) => ({ text: t, width: runeCount(t) })));
  const widths: number[] = [];
  let out = '';

  const writeLines = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i];
      line.forEach((c, j) => {
        out += c.text;
        if (j < widths.length) out += ' '.repeat(Math.max(0, widths[j] - c.width));
      });
      if (i + 1 < lines.length || trailingNewline) out += '\n';
    }
  };

  formatAll();
  return out;

  // Go's Writer.format: find each block of adjacent lines that have this
  // column, size the column over the block, and format the columns to its
  // right within that block.
  function formatAll() {
    const fmt = (line0: number, line1: number): void => {
      const column = widths.length;
      let t = line0;
      while (t < line1) {
        if (column >= lines[t].length - 1) {
          t++;
          continue;
        }
        writeLines(line0, t);
        line0 = t;
        let width = minwidth;
        for (; t < line1; t++) {
          const line = lines[t];
          if (column >= line.length - 1) break;
          const w = line[column].width + padding;
          if (w > width) width = w;
        }
        widths.push(width);
        fmt(line0, t);
        widths.pop();
        line0 = t;
      }
      writeLines(line0, line1);
    };
    fmt(0, lines.length);
  }
}
