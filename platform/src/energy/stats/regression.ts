/**
 * Ordinary least squares with an intercept for a handful of regressors (energy vs production, degree-days),
 * solved from the normal equations by Gauss–Jordan elimination with partial pivoting. Returns (XᵀX)⁻¹ for
 * prediction uncertainty. p stays ≤ 4 here, so the normal equations are well within double precision.
 */
export type OlsFit = {
  /** [intercept, b1, b2, …]. */
  beta: number[];
  n: number;
  p: number;
  sse: number;
  yMean: number;
  /** Coefficient of determination; null when y has no variance. */
  r2: number | null;
  /** Residual standard error √(SSE / (n − p)). */
  s: number;
  xtxInv: number[][];
  fitted: Float64Array;
  residuals: Float64Array;
};

export function ols(columns: Float64Array[], y: Float64Array): OlsFit | null {
  const n = y.length;
  const p = columns.length + 1;
  if (n <= p) return null;
  const x = (row: number, j: number): number => (j === 0 ? 1 : columns[j - 1]![row]!);
  const xtx: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const xty = new Array<number>(p).fill(0);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < p; i++) {
      const xi = x(r, i);
      xty[i]! += xi * y[r]!;
      for (let j = 0; j < p; j++) xtx[i]![j]! += xi * x(r, j);
    }
  const inv = invert(xtx);
  if (!inv) return null;
  const beta = inv.map((row) => row.reduce((s, v, j) => s + v * xty[j]!, 0));
  const fitted = new Float64Array(n);
  const residuals = new Float64Array(n);
  let sse = 0;
  let yMean = 0;
  for (let r = 0; r < n; r++) yMean += y[r]!;
  yMean /= n;
  let sst = 0;
  for (let r = 0; r < n; r++) {
    let f = 0;
    for (let j = 0; j < p; j++) f += beta[j]! * x(r, j);
    fitted[r] = f;
    residuals[r] = y[r]! - f;
    sse += residuals[r]! ** 2;
    sst += (y[r]! - yMean) ** 2;
  }
  return {
    beta,
    n,
    p,
    sse,
    yMean,
    r2: sst > 0 ? 1 - sse / sst : null,
    s: Math.sqrt(sse / (n - p)),
    xtxInv: inv,
    fitted,
    residuals,
  };
}

/** Model prediction for one row of regressors (without the intercept column). */
export function predict(fit: OlsFit, row: number[]): number {
  return row.reduce((s, v, j) => s + v * fit.beta[j + 1]!, fit.beta[0]!);
}

function invert(a: number[][]): number[][] | null {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[piv]![col]!)) piv = r;
    const scale = Math.max(...a.map((row) => Math.abs(row[col]!)), 1e-300);
    if (Math.abs(m[piv]![col]!) < 1e-12 * scale) return null;
    [m[col], m[piv]] = [m[piv]!, m[col]!];
    const pivRow = m[col]!;
    const pv = pivRow[col]!;
    for (let j = 0; j < 2 * n; j++) pivRow[j] = pivRow[j]! / pv;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]!;
      if (f === 0) continue;
      for (let j = 0; j < 2 * n; j++) m[r]![j] = m[r]![j]! - f * pivRow[j]!;
    }
  }
  return m.map((row) => row.slice(n));
}
