/**
 * The constants of the public API, with the names and values that @grpc/grpc-js 1.14 exports, so that code written
 * against grpc-js compares against the same numbers.
 */

/** gRPC status codes, as defined by the gRPC protocol (the values C-core's `grpc_status_code` uses). */
export enum Status {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** Channel connectivity states, with the values of C-core's `grpc_connectivity_state`. */
export enum ConnectivityState {
  IDLE = 0,
  CONNECTING = 1,
  READY = 2,
  TRANSIENT_FAILURE = 3,
  SHUTDOWN = 4,
}

/**
 * Bits that choose what a child call inherits from the server call given as `CallOptions.parent`. The values are
 * C-core's `GRPC_PROPAGATE_*` bits.
 */
export enum Propagate {
  DEADLINE = 1,
  CENSUS_STATS_CONTEXT = 2,
  CENSUS_TRACING_CONTEXT = 4,
  CANCELLATION = 8,
  /** C-core's `GRPC_PROPAGATE_DEFAULTS`: every bit set. */
  DEFAULTS = 0xffff,
}

/** Severity of a log line. A line is written when its severity is at least the configured verbosity. */
export enum LogVerbosity {
  DEBUG = 0,
  INFO = 1,
  ERROR = 2,
  NONE = 3,
}

/** Message compression algorithms, as the channel option `grpc.default_compression_algorithm` takes them. */
export enum CompressionAlgorithms {
  identity = 0,
  deflate = 1,
  gzip = 2,
}

/** The public name of {@link CompressionAlgorithms}, as grpc-js's index exports it. */
export { CompressionAlgorithms as compressionAlgorithms };

/** Maximum size of a sent message in bytes, where -1 means no limit. */
export const DEFAULT_MAX_SEND_MESSAGE_LENGTH = -1;

/** Maximum size of a received message in bytes: 4 MiB, the default of both grpc-js and C-core. */
export const DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH = 4 * 1024 * 1024;
