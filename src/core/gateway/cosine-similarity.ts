/**
 * An embedding scaled to length 1, so that the cosine similarity of two of them is their dot product: the
 * norms are paid once, when a vector is stored or looked up, not once per comparison. Undefined for a vector
 * that has no direction (all zeros) or is not made of finite numbers, which nothing can be compared with.
 */
export function unitVector(values: ArrayLike<number>): Float32Array | undefined {
  if (values.length === 0) return undefined;
  let squares = 0;
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index]!;
    if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
    squares += value * value;
  }
  if (squares === 0) return undefined;
  const norm = Math.sqrt(squares);
  const unit = new Float32Array(values.length);
  for (let index = 0; index < values.length; index += 1) unit[index] = values[index]! / norm;
  return unit;
}

/** The cosine similarity of two unit vectors (their dot product), in [-1, 1]; -1 when their lengths differ, as from two embedding models. */
export function cosineOfUnitVectors(left: Float32Array, right: Float32Array): number {
  if (left.length !== right.length) return -1;
  // Four running sums rather than one: each addition need not wait for the previous one, which about halves the time.
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  const length = left.length;
  const whole = length - (length % 4);
  let index = 0;
  for (; index < whole; index += 4) {
    sum0 += left[index]! * right[index]!;
    sum1 += left[index + 1]! * right[index + 1]!;
    sum2 += left[index + 2]! * right[index + 2]!;
    sum3 += left[index + 3]! * right[index + 3]!;
  }
  for (; index < length; index += 1) sum0 += left[index]! * right[index]!;
  // Float32 rounding can take identical vectors a hair past 1.
  return Math.min(1, Math.max(-1, sum0 + sum1 + sum2 + sum3));
}
