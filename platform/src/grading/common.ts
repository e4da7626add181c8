import { z } from 'zod';

/** Shared grading vocabulary: bilingual text, confidence tags, zod error formatting. */

/** ✅ read in a source · ◐ third-party transcription only · ❓ recalled / our own reading (maturity-grading.md). */
export const confidenceSchema = z.enum(['✅', '◐', '❓']);
export type Confidence = z.infer<typeof confidenceSchema>;

export const i18nSchema = z.object({ zh: z.string().min(1), en: z.string().min(1) });
export type I18n = z.infer<typeof i18nSchema>;

export const langSchema = z.enum(['zh', 'en']);
export type Lang = z.infer<typeof langSchema>;

export const periodSchema = z
  .object({ fromMs: z.number().int(), toMs: z.number().int() })
  .refine((p) => p.toMs > p.fromMs, 'period.toMs must be after period.fromMs');
export type Period = z.infer<typeof periodSchema>;

export function tr(t: I18n, lang: Lang): string {
  return lang === 'en' ? t.en : t.zh;
}

/** Parses with a zod schema; on failure throws naming the first problem's path (`what at a.b.3: message`). */
export function parseOrThrow<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const lines = r.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new Error(`invalid ${what} at ${lines.join('; ')}`);
}

/** Rounds away binary noise before comparing against thresholds (1 + 1 + 0.8 must equal 2.8). */
export function clean(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
