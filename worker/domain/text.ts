/**
 * Free text as Roster keeps it. A JSON body can carry a lone UTF-16 surrogate (`"\ud800"`),
 * which the database refuses to store: every free-text field of the API refuses it with 400
 * (`wellFormed`, a zod refinement) instead of failing later with 500.
 */
export function isWellFormedText(text: string): boolean {
  return !loneSurrogate.test(text);
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `.refine(...wellFormed)`: a string with a lone surrogate answers 400 `validation_failed`. */
export const wellFormed = [isWellFormedText, "Use valid Unicode text (it holds a lone surrogate)."] as const;

/** Zero-width, invisible, bidirectional-control and other format (Cf) and control (Cc) characters. */
const invisible = /[\p{Cc}\p{Cf}\u115F\u1160\u3164\uFFA0\u034F\u17B4\u17B5\u180B-\u180F\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;

/**
 * A display name cleaned for comparison and display (project names, a member's name):
 * Unicode NFKC, invisible and control characters taken out, runs of white space made one
 * space, trimmed. "Ａｃｍｅ", "Acme\u200B" and "Acme  " all become "Acme". Lone surrogates
 * are kept (refused by {@link wellFormed}); the result may be empty.
 */
export function cleanName(text: string): string {
  return text.normalize("NFKC").replace(/\s+/gu, " ").replace(invisible, "").replace(/ {2,}/g, " ").trim();
}

/**
 * The longest start of `text` at most `max` UTF-16 units long (the length zod and the
 * database count) that never ends inside a surrogate pair: cut on code points.
 */
export function prefixWithin(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = "";
  for (const point of Array.from(text)) {
    if (out.length + point.length > max) break;
    out += point;
  }
  return out;
}
