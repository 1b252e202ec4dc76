/**
 * HL7 v2 escaping of text put into a field. HL7 v2.4 chapter 2.7 (use of escape sequences in text fields):
 * the delimiters in the text become `\F\` field, `\S\` component, `\R\` repetition, `\E\` escape and `\T\`
 * subcomponent; other characters that cannot travel in a segment (a carriage return ends the segment) go as
 * hexadecimal data `\Xdd\`.
 */
export function escapeHl7(text: string): string {
  const n = text.length;
  let i = 0;
  // Most values hold no delimiter: return them as they are, without building a new string.
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 124 || c === 94 || c === 126 || c === 92 || c === 38 || c === 13 || c === 10) break;
  }
  if (i === n) return text;
  let out = text.slice(0, i);
  let from = i;
  for (; i < n; i++) {
    const escaped = escapeOf(text.charCodeAt(i));
    if (escaped === undefined) continue;
    out += text.slice(from, i) + escaped;
    from = i + 1;
  }
  return out + text.slice(from);
}

function escapeOf(c: number): string | undefined {
  switch (c) {
    case 124:
      return '\\F\\';
    case 94:
      return '\\S\\';
    case 126:
      return '\\R\\';
    case 92:
      return '\\E\\';
    case 38:
      return '\\T\\';
    case 13:
      return '\\X0D\\';
    case 10:
      return '\\X0A\\';
    default:
      return undefined;
  }
}
