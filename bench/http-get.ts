/**
 * GET a URL and read its body. A keep-alive connection the server closed while idle (after a long load phase
 * with no HTTP traffic) fails the first request on it with a network error: a GET is safe to send again, once.
 */
export async function getText(url: string): Promise<{ status: number; text: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { headers: { accept: 'application/fhir+json', ...benchAuthorization() } });
      return { status: res.status, text: await res.text() };
    } catch (e) {
      if (attempt >= 2) throw e;
    }
  }
}

/** The bench's credentials for the API (bench/engines.ts `startServer` sets them), as a header. */
export function benchAuthorization(): Record<string, string> {
  const token = process.env.JOINEDUP_TOKEN;
  return token ? { authorization: `Bearer ${token}` } : {};
}
