// Text encodings a source reads (engine/sources/encoding.ts decodes them).
export const inputEncodings = ['utf-8', 'latin1', 'utf-8-replace'] as const;
export type InputEncoding = (typeof inputEncodings)[number];
