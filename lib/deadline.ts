/** When a call or a wait ends: a Date, or milliseconds since the Unix epoch, where `Infinity` means never. */
export type Deadline = Date | number;
