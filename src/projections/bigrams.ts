// Chinese has no spaces between words, so the case list indexes text as overlapping character pairs
// (bigrams): "楼道漏水" → "楼道 道漏 漏水 水". A query becomes the phrase of its own pairs, which
// matches exactly where those characters stand together, for queries of any length from one character.
const SEGMENT = /[\p{L}\p{N}]+/gu;

function segmentTokens(segment: string): string[] {
  const chars = [...segment.toLowerCase()];
  if (chars.length === 1) return chars;
  const tokens: string[] = [];
  for (let i = 0; i + 1 < chars.length; i += 1) tokens.push(chars[i]! + chars[i + 1]!);
  // The last character again on its own, so that a one-character query finds it as a prefix.
  tokens.push(chars.at(-1)!);
  return tokens;
}

/** The text as the index stores it: one token per character pair, segments joined by a break. */
export function bigramDocument(text: string): string {
  return (text.match(SEGMENT) ?? []).map((segment) => segmentTokens(segment).join(' ')).join(' | ');
}

/** An FTS5 query that finds every document containing all of the query's segments. */
export function bigramQuery(q: string): string | undefined {
  const segments = q.match(SEGMENT) ?? [];
  if (segments.length === 0) return undefined;
  return segments
    .map((segment) => {
      const chars = [...segment.toLowerCase()];
      if (chars.length === 1) return `"${chars[0]}"*`;
      const pairs = segmentTokens(segment).slice(0, -1);
      return `"${pairs.join(' ')}"`;
    })
    .join(' AND ');
}
