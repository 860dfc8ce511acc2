/** TypeScript source → CommonJS JavaScript, as the loader does it (see register.js); cached by content. */
export function compile(source: string, filename: string): string;
