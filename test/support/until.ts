// Waiting for a condition, as clients of an engine poll for a state.

/** Polls until `check` holds, failing after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting for a state');
    await new Promise((r) => setTimeout(r, 20));
  }
}
