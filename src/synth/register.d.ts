/** TypeScript source → CommonJS JavaScript, as the loader does it (see register.js); cached by content. */
export function compile(source: string, filename: string): string;
/** How many files this process has compiled to a CommonJS wrapper: each once, however often it loads them. */
export function compiledFiles(): number;
