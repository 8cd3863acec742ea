/**
 * The order variants run in. Pure.
 *
 * Every round runs every variant once, so slow drift of the machine (other tenants, thermal
 * state, page cache) lands on all variants alike. The order rotates from round to round so no
 * variant always goes first (right after a pause) or always follows the heaviest one.
 */
export function roundOrder<T>(variants: readonly T[], round: number): T[] {
  if (!Number.isInteger(round) || round < 0)
    throw new RangeError(`round must be a non-negative integer, got ${round}`);
  const n = variants.length;
  if (n === 0) return [];
  const shift = round % n;
  return [...variants.slice(shift), ...variants.slice(0, shift)];
}

/** All rounds' orders, flattened into one run list. */
export function schedule<T>(
  variants: readonly T[],
  rounds: number,
): { round: number; variant: T }[] {
  const plan: { round: number; variant: T }[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const variant of roundOrder(variants, round))
      plan.push({ round, variant });
  }
  return plan;
}
