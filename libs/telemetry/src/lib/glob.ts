/**
 * The configuration schema's name patterns (`*` any run of characters, `?` one character, the
 * rest literal), used for resource attribute and metric attribute key filters. Pure.
 */
export function globSource(pattern: string): string {
  return pattern
    .split('')
    .map((c) =>
      c === '*'
        ? '.*'
        : c === '?'
          ? '.'
          : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'),
    )
    .join('');
}

/** A matcher that is true for a name any of `patterns` matches in full. */
export function globMatcher(
  patterns: readonly string[],
): (name: string) => boolean {
  const re = new RegExp(`^(?:${patterns.map(globSource).join('|')})$`);
  return (name) => re.test(name);
}
