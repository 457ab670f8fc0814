/** An HTTP client's error, as a real system's SDK would throw it: the status decides retryability. */
export function httpError(message: string, status: number): Error {
  return Object.assign(new Error(message), { status });
}
