// Reads a Parquet file with hyparquet (an independent JavaScript reader) and prints its
// schema and rows as JSON: { numRows, columns: [{ name, type, logicalType }], rows }.
// BigInts become numbers and dates ISO strings (hyparquet's toJson).
import { readFile } from 'node:fs/promises';
import { parquetMetadata, parquetReadObjects, toJson } from 'hyparquet';

const bytes = await readFile(process.argv[2]);
const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const metadata = parquetMetadata(file);
const columns = metadata.schema.slice(1).map((s) => ({
  name: s.name,
  type: s.type,
  logicalType: s.logical_type?.type ?? null,
  optional: s.repetition_type === 'OPTIONAL',
}));
const rows = await parquetReadObjects({ file });
process.stdout.write(JSON.stringify(toJson({ numRows: Number(metadata.num_rows), rowGroups: metadata.row_groups.length, columns, rows })));
