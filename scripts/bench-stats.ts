/** What `npm run bench` and `npm run heap` share: their scale points, a least-squares line and min / median / max. */

export type Samples = number[];

/**
 * Least-squares line through points `[x, y]`: `slope` is the marginal cost (y per unit of x), the
 * part of the cost that grows; `intercept` the fixed part. NaN points are left out; fewer than two
 * distinct x give NaN.
 */
export function fit(points: [number, number][]): { slope: number; intercept: number } {
    const ok = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const n = ok.length;
    const mx = ok.reduce((s, [x]) => s + x, 0) / n;
    const my = ok.reduce((s, [, y]) => s + y, 0) / n;
    const sxx = ok.reduce((s, [x]) => s + (x - mx) ** 2, 0);
    if (n < 2 || sxx === 0) return { slope: NaN, intercept: NaN };
    const slope = ok.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
    return { slope, intercept: my - slope * mx };
}

/** Min, median (lower middle for even counts) and max of the finite samples, and a table cell "min / median / max". */
export function spread(samples: Samples): { min: number; median: number; max: number; text: string } {
    const xs = samples.filter(Number.isFinite).sort((a, b) => a - b);
    if (xs.length === 0) return { min: NaN, median: NaN, max: NaN, text: "n/a" };
    const [min, median, max] = [xs[0], xs[Math.floor((xs.length - 1) / 2)], xs[xs.length - 1]];
    const digits = Math.abs(median) >= 100 ? 0 : Math.abs(median) >= 10 ? 1 : 2;
    const f = (x: number) => x.toFixed(digits);
    return { min, median, max, text: xs.length === 1 ? f(median) : `${f(min)} / ${f(median)} / ${f(max)}` };
}

/**
 * The namespaces a scale point adds to a stack's `ml-platform:namespaces`: `extra` small mlops
 * teams, `bench-team-0000` on, each with the smallest quota the config rules accept.
 */
export function scalePointNamespaces(extra: number): Record<string, unknown> {
    const namespaces: Record<string, unknown> = {};
    for (let i = 0; i < extra; i++) {
        namespaces[`bench-team-${String(i).padStart(4, "0")}`] = {
            kind: "mlops",
            quota: { cpu: 1, memoryGiB: 2, pods: 10, persistentVolumeClaims: 1, storageGiB: 10 },
        };
    }
    return namespaces;
}
