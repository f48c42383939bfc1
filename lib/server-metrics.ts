/**
 * Per-call backend metrics (ORCA), as grpc-js 1.14's `call.getMetricsRecorder()` offers them. When the server has
 * the option `grpc.server_call_metric_recording`, the recorded values travel to the client in the trailer
 * `endpoint-load-metrics-bin` as a serialized `xds.data.orca.v3.OrcaLoadReport`.
 */

/** The trailer that carries a call's load report. */
export const GRPC_METRICS_HEADER = 'endpoint-load-metrics-bin';

// Field numbers of xds.data.orca.v3.OrcaLoadReport (xds/data/orca/v3/orca_load_report.proto).
const CPU_UTILIZATION = 1;
const MEM_UTILIZATION = 2;
const REQUEST_COST = 4;
const UTILIZATION = 5;
const RPS_FRACTIONAL = 6;
const EPS = 7;
const NAMED_METRICS = 8;
const APPLICATION_UTILIZATION = 9;

const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function doubleField(field: number, value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return Buffer.concat([varint((field << 3) | WIRE_FIXED64), bytes]);
}

function lengthDelimitedField(field: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | WIRE_LENGTH_DELIMITED), varint(payload.length), payload]);
}

// A map<string, double> entry is a message with the key as field 1 and the value as field 2.
function mapFields(field: number, map: Map<string, number>): Buffer[] {
  return [...map].map(([key, value]) =>
    lengthDelimitedField(field, Buffer.concat([lengthDelimitedField(1, Buffer.from(key)), doubleField(2, value)])));
}

function checkValue(method: string, value: number): void {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${method}: value must be a number, got ${String(value)}`);
  }
}

/** The metrics one server call records for its load report. */
export class PerRequestMetricRecorder {
  private readonly scalars = new Map<number, number>();
  private readonly requestCost = new Map<string, number>();
  private readonly utilization = new Map<string, number>();
  private readonly namedMetrics = new Map<string, number>();

  /** Records the cost of this request under `name`. */
  recordRequestCostMetric(name: string, value: number): void {
    checkValue('recordRequestCostMetric', value);
    this.requestCost.set(name, value);
  }

  /** Records a utilization, from 0 to 1, under `name`. */
  recordUtilizationMetric(name: string, value: number): void {
    checkValue('recordUtilizationMetric', value);
    this.utilization.set(name, value);
  }

  /** Records an application-defined metric under `name`. */
  recordNamedMetric(name: string, value: number): void {
    checkValue('recordNamedMetric', value);
    this.namedMetrics.set(name, value);
  }

  recordCPUUtilizationMetric(value: number): void {
    checkValue('recordCPUUtilizationMetric', value);
    this.scalars.set(CPU_UTILIZATION, value);
  }

  recordMemoryUtilizationMetric(value: number): void {
    checkValue('recordMemoryUtilizationMetric', value);
    this.scalars.set(MEM_UTILIZATION, value);
  }

  recordApplicationUtilizationMetric(value: number): void {
    checkValue('recordApplicationUtilizationMetric', value);
    this.scalars.set(APPLICATION_UTILIZATION, value);
  }

  /** Records queries per second (the report's `rps_fractional`). */
  recordQpsMetric(value: number): void {
    checkValue('recordQpsMetric', value);
    this.scalars.set(RPS_FRACTIONAL, value);
  }

  /** Records errors per second. */
  recordEpsMetric(value: number): void {
    checkValue('recordEpsMetric', value);
    this.scalars.set(EPS, value);
  }

  /** Serializes the recorded values as an OrcaLoadReport message. */
  serialize(): Buffer {
    const fields: Buffer[] = [];
    for (const [field, value] of [...this.scalars].sort(([a], [b]) => a - b)) {
      fields.push(doubleField(field, value));
    }
    fields.push(...mapFields(REQUEST_COST, this.requestCost));
    fields.push(...mapFields(UTILIZATION, this.utilization));
    fields.push(...mapFields(NAMED_METRICS, this.namedMetrics));
    return Buffer.concat(fields);
  }
}
