/** A value for a human sentence or a status column: `digits` significant digits (4 unless told), no trailing noise. */
export function fmt(v: number, digits = 4): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : String(v);
}
