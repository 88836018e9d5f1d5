interface FieldShape {
  name: string;
  /** Protobuf wire type: 0 varint, 2 length-delimited. */
  wire: 0 | 2;
  nested?: MessageShape;
}
type MessageShape = Readonly<Record<number, FieldShape>>;

const CAST_ID: MessageShape = {
  1: { name: 'fid', wire: 0 },
  2: { name: 'hash', wire: 2 },
};
const FRAME_ACTION_BODY: MessageShape = {
  1: { name: 'url', wire: 2 },
  2: { name: 'buttonIndex', wire: 0 },
  3: { name: 'castId', wire: 2, nested: CAST_ID },
  4: { name: 'inputText', wire: 2 },
  5: { name: 'state', wire: 2 },
  6: { name: 'transactionId', wire: 2 },
  7: { name: 'address', wire: 2 },
};
const FRAME_MESSAGE_DATA: MessageShape = {
  1: { name: 'type', wire: 0 },
  2: { name: 'fid', wire: 0 },
  3: { name: 'timestamp', wire: 0 },
  4: { name: 'network', wire: 0 },
  16: { name: 'frameActionBody', wire: 2, nested: FRAME_ACTION_BODY },
};
const MESSAGE: MessageShape = {
  1: { name: 'data', wire: 2, nested: FRAME_MESSAGE_DATA },
  2: { name: 'hash', wire: 2 },
  3: { name: 'hashScheme', wire: 0 },
  4: { name: 'signature', wire: 2 },
  5: { name: 'signatureScheme', wire: 0 },
  6: { name: 'signer', wire: 2 },
  7: { name: 'dataBytes', wire: 2 },
};

/** Read a varint at `at`; answers [value, next offset] or null when it runs past `end` or exceeds 64 bits. Values
 * above 2^53 lose precision, which is fine: they are only compared against small lengths. */
function readVarint(bytes: Uint8Array, at: number, end: number): [number, number] | null {
  let value = 0;
  let scale = 1;
  for (let i = at; i < end && i < at + 10; i++) {
    const byte = bytes[i] as number;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, i + 1];
    scale *= 128;
  }
  return null;
}

function scan(bytes: Uint8Array, start: number, end: number, shape: MessageShape, path: string): string | null {
  const seen = new Set<number>();
  let at = start;
  while (at < end) {
    const tag = readVarint(bytes, at, end);
    if (tag === null) return `${path}: truncated tag`;
    const [key, afterTag] = tag;
    const fieldNumber = Math.floor(key / 8);
    const wire = key % 8;
    const field = shape[fieldNumber];
    if (field === undefined) return `${path}: unknown field ${fieldNumber}`;
    const where = `${path}.${field.name}`;
    if (field.wire !== wire) return `${where}: wire type ${wire}`;
    if (seen.has(fieldNumber)) return `${where}: repeated`;
    seen.add(fieldNumber);
    if (wire === 0) {
      const value = readVarint(bytes, afterTag, end);
      if (value === null) return `${where}: truncated varint`;
      at = value[1];
      continue;
    }
    const length = readVarint(bytes, afterTag, end);
    if (length === null) return `${where}: truncated length`;
    const [size, contentStart] = length;
    if (size > end - contentStart) return `${where}: length past the end`;
    if (field.nested !== undefined) {
      const inner = scan(bytes, contentStart, contentStart + size, field.nested, where);
      if (inner !== null) return inner;
    }
    at = contentStart + size;
  }
  return null;
}

/** Check that a frame action `Message` envelope reads the same under every conforming protobuf decoder. Protobuf lets
 * a singular field occur twice: @farcaster/core (ts-proto) keeps the last embedded message, while Frog's decoder
 * (protobuf-es) merges them, so a forged `data` placed before the genuine one would be invisible to the hash check
 * yet read by Frog (e.g. an `address` the signer never set). Also refuses fields neither side knows for frame actions.
 * Answers a short description of the first ambiguous field, or null. Only the envelope and the unsigned `data` are
 * walked; `dataBytes` is opaque here (it is hashed and decoded once, by us). https://protobuf.dev/programming-guides/encoding/#last-one-wins */
export function findAmbiguousField(messageBytes: Uint8Array): string | null {
  return scan(messageBytes, 0, messageBytes.length, MESSAGE, 'Message');
}
