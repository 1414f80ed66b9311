import Table from 'cli-table3';

/** A plain-bordered table for terminals and logs alike: no colour codes, so output can be piped. */
export function formatTable(head: string[], rows: Array<Array<string | number>>, alignRight: number[] = []): string {
  const table = new Table({
    head,
    style: { head: [], border: [], compact: true },
    colAligns: head.map((_, index) => (alignRight.includes(index) ? 'right' : 'left')),
  });
  for (const row of rows) table.push(row.map(String));
  return `${table.toString()}\n`;
}
