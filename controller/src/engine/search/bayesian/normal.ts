/** Standard normal helpers and the numerically stable log expected improvement (Ament et al., 2023). */

const SQRT2 = Math.SQRT2;
const SQRT_PI = Math.sqrt(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const LOG_SQRT_PI_OVER_2 = 0.5 * Math.log(Math.PI / 2);

/** erf(x) by its Maclaurin series; accurate to ~1e-15 absolute for |x| < 2.5. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let k = 1; k < 200; k++) {
    term *= -x2 / k;
    const add = term / (2 * k + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / SQRT_PI) * sum;
}

/** erfc(x)·exp(x²) for x ≥ 2.5 by its continued fraction (modified Lentz), relative error ~1e-15. */
function erfcxContinuedFraction(x: number): number {
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / (SQRT_PI * f);
}

/** The scaled complementary error function erfcx(x) = exp(x²)·erfc(x), finite for all x ≥ 0. */
export function erfcx(x: number): number {
  if (x >= 2.5) return erfcxContinuedFraction(x);
  if (x >= 0) return Math.exp(x * x) * (1 - erfSeries(x));
  // For x < 0, erfc(x) = 2 - erfc(-x); overflows to Infinity for x < about -26, as the true value does.
  return Math.exp(x * x) * (2 - erfcScaledPositive(-x));
}

/** erfc(x) for x ≥ 0. */
function erfcScaledPositive(x: number): number {
  return x >= 2.5 ? Math.exp(-x * x) * erfcxContinuedFraction(x) : 1 - erfSeries(x);
}

/** erfc(x) for any real x. */
export function erfc(x: number): number {
  return x >= 0 ? erfcScaledPositive(x) : 2 - erfcScaledPositive(-x);
}

/** Standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/** Standard normal cumulative distribution. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / SQRT2);
}

/** log(1 - exp(-a)) for a > 0, accurate near 0 and for large a (Mächler 2012). */
function log1mexpNeg(a: number): number {
  return a <= Math.LN2 ? Math.log(-Math.expm1(-a)) : Math.log1p(-Math.exp(-a));
}

/**
 * log h(z) with h(z) = φ(z) + z·Φ(z), the expected improvement of a standard normal over threshold
 * -z. Stays finite and accurate far into the left tail where EI itself underflows to 0, which is what
 * lets the acquisition optimizer still climb out of flat regions.
 */
export function logH(z: number): number {
  if (z > -1) return Math.log(normalPdf(z) + z * normalCdf(z));
  if (z > -1e8) {
    // h(z) = φ(z)·(1 - |z|·erfcx(|z|/√2)·√(π/2)); write the bracket as 1 - exp(-a) with a > 0.
    const t = Math.log(erfcx(-z / SQRT2) * -z) + LOG_SQRT_PI_OVER_2;
    return -0.5 * z * z - LOG_SQRT_2PI + log1mexpNeg(-t);
  }
  // Asymptotically h(z) ≈ φ(z)/z².
  return -0.5 * z * z - LOG_SQRT_2PI - 2 * Math.log(-z);
}

/** log EI for minimization: log E[max(best - Y, 0)] with Y ~ N(mean, sd²). */
export function logExpectedImprovement(mean: number, sd: number, best: number): number {
  if (!(sd > 0)) return mean < best ? Math.log(best - mean) : -Infinity;
  return logH((best - mean) / sd) + Math.log(sd);
}
