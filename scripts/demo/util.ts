/** euros formats an amount in minor units (cents) as `€1,234.56`. */
export function euros(amountMinor: number): string {
  const sign = amountMinor < 0 ? '-' : '';
  const abs = Math.abs(amountMinor);
  return `${sign}€${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

/** heading prints a section title. */
export function heading(title: string): void {
  console.log(`\n=== ${title} ${'='.repeat(Math.max(3, 74 - title.length))}`);
}
