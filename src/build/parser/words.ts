// Splitting an instruction's argument text into words the way docker does
// before substitution: on unquoted whitespace, with quotes and escapes kept
// for expand.ts to interpret.

export function splitWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "" && /\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    word += c;
    if (c === escape && quote !== "'" && i + 1 < text.length) {
      word += text[++i];
    } else if (quote === "" && (c === '"' || c === "'")) quote = c;
    else if (c === quote) quote = "";
  }
  if (inWord) words.push(word);
  return words;
}

/** A JSON array of strings, or null when the text is not one (docker then takes the shell form). */
export function jsonArray(text: string): string[] | null {
  if (!text.startsWith("[")) return null;
  try {
    const parsed = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((p) => typeof p === "string") ? parsed : null;
  } catch {
    return null;
  }
}
