/**
 * The guidance safety check: no text an admin reads suggests a destructive step first (a
 * destructive PIN reset or key re-provisioning deletes the very keys ResetReady protects), and
 * any later mention is labelled as a last resort that deletes the container.
 */

/** Steps that delete Windows Hello keys (or the device's data) if an admin follows them. */
const DESTRUCTIVE = [
  /re-?provision/i,
  /deleteHelloContainer/i,
  /\bdelet\w*\b.*\b(container|keys?)\b/i,
  /\bre-?(join|register)\w*\b/i,
  /\b(wipe|retire|fresh start|autopilot reset)\b/i,
  /\breset (the|this) (device|pc)\b/i,
  /\b(do|run|start|perform|use) a destructive\b/i,
];

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Problems of one guidance text; an empty list means it is safe. */
export function guidanceProblems(text: string): string[] {
  const out: string[] = [];
  sentences(text).forEach((s, i) => {
    if (!DESTRUCTIVE.some((re) => re.test(s))) return;
    const warnsAgainst = /^(do not|don't|never)\b/i.test(s);
    const labelled = /last resort/i.test(s) && /delet\w* (the|every)\b.*container/i.test(s);
    if (i === 0 && !warnsAgainst) out.push(`destructive step first: "${s}"`);
    else if (!warnsAgainst && !labelled)
      out.push(`destructive step not labelled as a last resort that deletes the container: "${s}"`);
  });
  return out;
}
