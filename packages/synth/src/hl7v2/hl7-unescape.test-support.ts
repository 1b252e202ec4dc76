/** HL7 v2.4 2.7 unescaping for the tests, written apart from the code under test. */
export function unescapeHl7(text: string): string {
  return text.replace(/\\(F|S|R|E|T|X[0-9A-Fa-f]+)\\/g, (_, code: string) => {
    if (code === 'F') return '|';
    if (code === 'S') return '^';
    if (code === 'R') return '~';
    if (code === 'E') return '\\';
    if (code === 'T') return '&';
    return Buffer.from(code.slice(1), 'hex').toString('latin1');
  });
}
